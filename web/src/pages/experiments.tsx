import type { PageProps } from '../app';
import type { CurioApi } from '../api/client';
import type { ShopMetric } from '../api/types';
import { Card, num, pct, Show } from '../ui/parts';
import { useLoad } from '../ui/use-load';

const METRICS: ShopMetric[] = ['conversion', 'revenue', 'ctr', 'add-to-cart', 'aov'];

function Results({ api, id }: { api: CurioApi; id: string }) {
  const [results] = useLoad(() => api.experimentResults(id), [api, id]);
  return (
    <Show loaded={results}>
      {(r) => (
        <>
          <div className="scroll">
            <table data-testid="arms">
              <thead>
                <tr>
                  <th scope="col">Arm</th>
                  <th scope="col">Users</th>
                  <th scope="col">Slates</th>
                  {METRICS.map((m) => (
                    <th scope="col" key={m}>
                      {m}
                      {m === r.primaryMetric ? ' (primary)' : ''}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {r.arms.map((a) => (
                  <tr key={a.id}>
                    <td>
                      {a.id}
                      {a.id === r.control ? ' (control)' : ''}
                    </td>
                    <td>{a.users}</td>
                    <td>{a.slates}</td>
                    {METRICS.map((m) => (
                      <td key={m}>{num(a.metrics[m], 4)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Against the control</h3>
          <div className="scroll">
            <table data-testid="comparisons">
              <thead>
                <tr>
                  <th scope="col">Arm</th>
                  <th scope="col">Metric</th>
                  <th scope="col">Difference</th>
                  <th scope="col">95% interval</th>
                  <th scope="col">p-value</th>
                  <th scope="col">Significant (sequential)</th>
                </tr>
              </thead>
              <tbody>
                {r.comparisons.flatMap((c) =>
                  METRICS.map((m) => {
                    const x = c.metrics[m];
                    return (
                      <tr key={`${c.arm}:${m}`}>
                        <td>{c.arm}</td>
                        <td>{m}</td>
                        <td>{x ? num(x.difference, 4) : '–'}</td>
                        <td>{x ? `${num(x.interval.lower, 4)} – ${num(x.interval.upper, 4)}` : '–'}</td>
                        <td>{x ? num(x.pValue, 4) : '–'}</td>
                        <td>{x?.sequential ? (x.sequential.significant ? 'yes' : 'not yet') : '–'}</td>
                      </tr>
                    );
                  }),
                )}
              </tbody>
            </table>
          </div>
          {r.warnings.length > 0 ? (
            <ul className="muted small">
              {r.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          ) : null}
        </>
      )}
    </Show>
  );
}

/** Experiments with their arms; the chosen one's metrics per arm and their significance against the control. */
export function ExperimentsPage({ api, arg, go }: PageProps) {
  const [experiments] = useLoad(() => api.experiments(), [api]);
  return (
    <div className="grid">
      <Card title="Experiments" wide>
        <Show loaded={experiments}>
          {(list) =>
            list.length === 0 ? (
              <p className="muted">No experiments yet: create one with POST /v1/admin/experiments or `curio experiments`.</p>
            ) : (
              <div className="scroll">
                <table data-testid="experiments">
                  <thead>
                    <tr>
                      <th scope="col">Experiment</th>
                      <th scope="col">State</th>
                      <th scope="col">Arms (weight)</th>
                      <th scope="col">Primary metric</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((e) => (
                      <tr key={e.id} aria-selected={e.id === arg}>
                        <td>
                          <a
                            href={`#/experiments/${encodeURIComponent(e.id)}`}
                            onClick={(ev) => {
                              ev.preventDefault();
                              go('experiments', e.id);
                            }}
                          >
                            {e.name}
                          </a>{' '}
                          <code>{e.id}</code>
                        </td>
                        <td>{e.state}</td>
                        <td>{e.arms.map((a) => `${a.id} (${pct(a.weight / e.arms.reduce((s, b) => s + b.weight, 0), 0)})`).join(', ')}</td>
                        <td>{e.primaryMetric}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Show>
      </Card>
      {arg ? (
        <Card title={`Results: ${arg}`} wide testId="results">
          <Results api={api} id={arg} />
        </Card>
      ) : null}
    </div>
  );
}
