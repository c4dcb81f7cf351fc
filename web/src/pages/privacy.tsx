import { useState } from 'react';
import type { PageProps } from '../app';
import type { CurioApi } from '../api/client';
import type { ErasureReceipt, UserRecord } from '../api/types';
import { allows } from '../session';
import { Card, Show, when } from '../ui/parts';
import { useLoad } from '../ui/use-load';
import { IdForm } from '../ui/user-form';

function Consent({ api, userId, canWrite }: { api: CurioApi; userId: string; canWrite: boolean }) {
  const [state, reload] = useLoad(() => api.consent(userId), [api, userId]);
  const [error, setError] = useState<string | null>(null);
  const set = async (consent: UserRecord['consent']) => {
    try {
      await api.putConsent(userId, consent);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
    reload();
  };
  return (
    <Show loaded={state}>
      {({ record, consent }) => {
        return (
          <>
            <p className="muted small" data-testid="record">
              {record ? 'Stored user record.' : 'No user record: the defaults apply (tracking and personalisation allowed).'}
            </p>
            {error ? <p className="error">{error}</p> : null}
            <ul className="plain" data-testid="consent">
              {(['tracking', 'personalization'] as const).map((k) => (
                <li key={k}>
                  <label>
                    <input
                      type="checkbox"
                      checked={consent[k]}
                      disabled={!canWrite}
                      onChange={(e) => set({ ...consent, [k]: e.target.checked })}
                    />{' '}
                    {k}
                  </label>
                </li>
              ))}
            </ul>
          </>
        );
      }}
    </Show>
  );
}

function Export({ api, userId }: { api: CurioApi; userId: string }) {
  const [data, setData] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    try {
      setData(JSON.stringify(await api.exportUser(userId), null, 2));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <>
      <button type="button" onClick={run}>
        Export everything stored about {userId}
      </button>
      {error ? <p className="error">{error}</p> : null}
      {data ? (
        <>
          <p className="muted small">{data.length.toLocaleString('en')} characters of JSON</p>
          <pre className="export" data-testid="export" tabIndex={0}>
            {data.length > 20_000 ? `${data.slice(0, 20_000)}\n…` : data}
          </pre>
        </>
      ) : null}
    </>
  );
}

function Receipt({ api, id }: { api: CurioApi; id: string }) {
  const [receipt, reload] = useLoad(() => api.erasure(id), [api, id]);
  return (
    <Show loaded={receipt}>
      {(r: ErasureReceipt) => (
        <div data-testid="receipt">
          <p>
            Erasure <code>{r.id}</code>: <strong data-testid="receipt-state">{r.state}</strong>, requested {when(r.requestedAt)}
            {r.completedAt ? `, completed ${when(r.completedAt)}` : ''}{' '}
            <button type="button" onClick={reload}>
              Refresh
            </button>
          </p>
          <table>
            <tbody>
              {Object.entries(r.targets).map(([target, t]) =>
                t ? (
                  <tr key={target}>
                    <th scope="row">{target}</th>
                    <td>{t.state}</td>
                    <td>{t.detail}</td>
                  </tr>
                ) : null,
              )}
            </tbody>
          </table>
        </div>
      )}
    </Show>
  );
}

function Erase({ api, userId }: { api: CurioApi; userId: string }) {
  const [confirming, setConfirming] = useState(false);
  const [erasureId, setErasureId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const erase = async () => {
    try {
      setErasureId((await api.eraseUser(userId)).erasureId);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
    setConfirming(false);
  };
  return (
    <>
      {erasureId ? (
        <Receipt api={api} id={erasureId} />
      ) : confirming ? (
        <p>
          Erase {userId} everywhere (record, consent, events, decisions, caches, models)? This cannot be undone.{' '}
          <button type="button" className="danger" onClick={erase}>
            Erase {userId}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </p>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Erase this user…
        </button>
      )}
      {error ? <p className="error">{error}</p> : null}
    </>
  );
}

function RetentionCard({ api }: { api: CurioApi }) {
  const [retention] = useLoad(() => api.retention(), [api]);
  const kept = (days: number) => (days > 0 ? `${days} days` : 'kept');
  return (
    <Card title="Retention">
      <Show loaded={retention}>
        {(r) => (
          <>
            <table data-testid="retention">
              <tbody>
                {Object.entries(r.eventDays).map(([type, days]) => (
                  <tr key={type}>
                    <th scope="row">{type} events</th>
                    <td>{kept(days)}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">decisions and slates</th>
                  <td>{kept(r.decisionDays)}</td>
                </tr>
              </tbody>
            </table>
            <p className="muted small">
              A pass every {r.pruneIntervalMinutes} min; last {r.lastPass ? when(r.lastPass.finishedAt) : 'none yet'}.
            </p>
          </>
        )}
      </Show>
    </Card>
  );
}

/** One shopper's consent, export and erasure with its receipt; the deployment's retention. */
export function Privacy({ api, scopes, arg, go }: PageProps) {
  const admin = allows(scopes, 'admin');
  return (
    <>
      <IdForm label="User id" initial={arg} onSubmit={(id) => go('privacy', id)} />
      <div className="grid">
        {arg ? (
          <>
            <Card title={`Consent of ${arg}`}>
              <Consent api={api} userId={arg} canWrite={allows(scopes, 'ingest')} />
            </Card>
            {admin ? (
              <Card title="Export and erasure" key={arg}>
                <Export api={api} userId={arg} />
                <hr />
                <Erase api={api} userId={arg} />
              </Card>
            ) : null}
          </>
        ) : null}
        {admin ? <RetentionCard api={api} /> : null}
      </div>
    </>
  );
}
