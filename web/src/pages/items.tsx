import { useMemo, useState } from 'react';
import type { PageProps } from '../app';
import type { CurioApi } from '../api/client';
import type { Item } from '../api/types';
import { allows } from '../session';
import { Card, pct, Show } from '../ui/parts';
import { SlateTable } from '../ui/slate-table';
import { useLoad } from '../ui/use-load';

/** Matches shown for a search (the server pages further ones; the count says when there are more). */
const SEARCH_PAGE = 50;
const LIST_SIZE = 8;

function Search({ api, go }: Pick<PageProps, 'api' | 'go'>) {
  const [query, setQuery] = useState('');
  const words = query.trim();
  // The server searches the whole catalogue (GET /v1/items?q=), in id order.
  const [found] = useLoad(() => api.items(null, SEARCH_PAGE, words || undefined), [api, words]);
  return (
    <Show loaded={found}>
      {(page) => {
        const hits = page.items;
        return (
          <>
            <div className="inline" role="search">
              <label htmlFor="item-search">Search the catalogue</label>
              <input
                id="item-search"
                type="search"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                placeholder="title, brand, category, tag or id"
              />
            </div>
            <p className="muted small">
              {hits.length}
              {page.next === null ? '' : '+'} {words ? 'matching items' : 'items'}
              {page.next === null ? '' : ` (the first ${SEARCH_PAGE} by id)`}
            </p>
            <div className="scroll">
              <table data-testid="catalogue">
                <thead>
                  <tr>
                    <th scope="col">Item</th>
                    <th scope="col">Category</th>
                    <th scope="col">Tags</th>
                    <th scope="col">Price</th>
                  </tr>
                </thead>
                <tbody>
                  {hits.map((item) => (
                    <tr key={item.id}>
                      <td>
                        <a
                          href={`#/items/${encodeURIComponent(item.id)}`}
                          onClick={(e) => {
                            e.preventDefault();
                            go('items', item.id);
                          }}
                        >
                          {item.title ?? item.id}
                        </a>{' '}
                        <code>{item.id}</code>
                      </td>
                      <td>{item.categoryPath.join(' > ')}</td>
                      <td>{item.tags.join(', ')}</td>
                      <td>{item.price ?? '–'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        );
      }}
    </Show>
  );
}

/**
 * Predicted tags of one item. Accepting adds the tag to the item; rejecting records it in the item's
 * `attributes.rejectedTags` (and takes it off the item if it was there), so it is not proposed again
 * (PATCH /v1/items/:id).
 */
function PredictedTags({ api, item, canWrite, onChange }: { api: CurioApi; item: Item; canWrite: boolean; onChange(item: Item): void }) {
  const [prediction] = useLoad(() => api.predictTags([item.id]), [api, item.id]);
  const [error, setError] = useState<string | null>(null);
  const rejected = Array.isArray(item.attributes.rejectedTags) ? (item.attributes.rejectedTags as string[]) : [];
  const write = async (tags: string[], reject?: string) => {
    try {
      const record = reject === undefined ? undefined : { attributes: item.attributes, tags: [...new Set([...rejected, reject])] };
      onChange(await api.patchItemTags(item.id, tags, record));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Show loaded={prediction}>
      {([p]) => (
        <>
          {p?.category ? (
            <p>
              Predicted category <strong>{p.category.label}</strong> ({pct(p.category.confidence)})
            </p>
          ) : null}
          {error ? (
            <p className="error" role="alert">
              {error}
            </p>
          ) : null}
          <ul className="tags" data-testid="predicted-tags">
            {(p?.tags ?? []).map((t) => {
              const has = item.tags.includes(t.label);
              return (
                <li key={t.label} data-tag={t.label}>
                  <strong>{t.label}</strong> {pct(t.confidence)} {has ? <span className="badge">on the item</span> : null}
                  {canWrite ? (
                    <>
                      {has ? null : (
                        <button type="button" onClick={() => write([...item.tags, t.label])}>
                          Accept
                        </button>
                      )}{' '}
                      <button
                        type="button"
                        onClick={() =>
                          write(
                            item.tags.filter((x) => x !== t.label),
                            t.label,
                          )
                        }
                      >
                        Reject
                      </button>
                    </>
                  ) : null}
                </li>
              );
            })}
          </ul>
          {(p?.tags ?? []).length === 0 ? <p className="muted">No tag predicted with enough confidence.</p> : null}
        </>
      )}
    </Show>
  );
}

function ItemDetail({ api, id, scopes }: { api: CurioApi; id: string; scopes: PageProps['scopes'] }) {
  const [loaded, reload] = useLoad(() => api.item(id), [api, id]);
  const [edited, setEdited] = useState<Item | null>(null);
  const [similar] = useLoad(() => api.similar(id, LIST_SIZE), [api, id]);
  const [together] = useLoad(() => api.boughtTogether(id, LIST_SIZE), [api, id]);
  const current = useMemo(() => (edited?.id === id ? edited : null), [edited, id]);
  return (
    <div className="grid">
      <Card title="Item" testId="item-detail">
        <Show loaded={loaded}>
          {(fetched) => {
            const item = current ?? fetched;
            return (
              <>
                <p>
                  <strong>{item.title ?? item.id}</strong> <code>{item.id}</code>
                </p>
                <p className="muted">
                  {item.categoryPath.join(' > ')} · {item.brand ?? 'no brand'} · {item.price ?? '–'} ·{' '}
                  {item.available ? 'in stock' : 'unavailable'}
                </p>
                <p data-testid="item-tags">Tags: {item.tags.length > 0 ? item.tags.join(', ') : 'none'}</p>
                <h3>Predicted tags</h3>
                <PredictedTags
                  api={api}
                  item={item}
                  canWrite={allows(scopes, 'ingest')}
                  onChange={(next) => {
                    setEdited(next);
                    reload();
                  }}
                />
              </>
            );
          }}
        </Show>
      </Card>
      <Card title="Similar (viewed together)">
        <Show loaded={similar}>{(l) => <SlateTable items={l.items} testId="similar" />}</Show>
      </Card>
      <Card title="Bought together">
        <Show loaded={together}>{(l) => <SlateTable items={l.items} testId="bought-together" />}</Show>
      </Card>
    </div>
  );
}

/** The catalogue: search it, and per item its neighbours and predicted tags. */
export function Items({ api, arg, go, scopes }: PageProps) {
  return (
    <>
      {arg ? (
        <>
          <p>
            <a href="#/items">← All items</a>
          </p>
          <ItemDetail api={api} id={arg} scopes={scopes} />
        </>
      ) : (
        <Card title="Catalogue" wide>
          <Search api={api} go={go} />
        </Card>
      )}
    </>
  );
}
