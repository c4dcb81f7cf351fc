import { useState } from 'react';
import type { PageProps } from '../app';
import { Card, num, Show, when } from '../ui/parts';
import { useLoad } from '../ui/use-load';

/** The model registry: every version with its metrics and state; promote one, or roll back to the previous. */
export function ModelsPage({ api }: PageProps) {
  const [models, reload] = useLoad(() => api.models(), [api]);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (what: () => Promise<string>) => {
    try {
      setNote({ ok: true, text: await what() });
    } catch (e) {
      setNote({ ok: false, text: (e as Error).message });
    }
    reload();
  };
  return (
    <Card title="Registry" wide>
      {note ? (
        <p className={note.ok ? 'ok' : 'error'} role="status">
          {note.text}
        </p>
      ) : null}
      <Show loaded={models}>
        {(m) => {
          const metricNames = [...new Set(m.versions.flatMap((v) => Object.keys(v.metrics)))].sort();
          return (
            <>
              <p>
                Serving <code data-testid="serving">{m.serving ?? 'none (the server fits serving.model)'}</code>{' '}
                <button type="button" onClick={() => act(async () => `Rolled back to ${(await api.rollback()).to.id}`)}>
                  Roll back
                </button>
              </p>
              <p>
                Image encoder <code data-testid="serving-encoder">{m.servingEncoder ?? 'none'}</code>{' '}
                {m.servingEncoder ? (
                  <button type="button" onClick={() => act(async () => `Rolled back to ${(await api.rollback('pictures')).to.id}`)}>
                    Roll back encoder
                  </button>
                ) : null}
              </p>
              <div className="scroll">
                <table data-testid="versions">
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col">Model</th>
                      <th scope="col">Track</th>
                      <th scope="col">Trained</th>
                      <th scope="col">State</th>
                      {metricNames.map((k) => (
                        <th scope="col" key={k}>
                          {k}
                        </th>
                      ))}
                      <th scope="col">Action</th>
                    </tr>
                  </thead>
                  <tbody>
                    {m.versions.map((v) => (
                      <tr key={v.id} data-version={v.id}>
                        <td>
                          <code>{v.id}</code>
                        </td>
                        <td>{v.model}</td>
                        <td>{v.track}</td>
                        <td>{when(v.trainedAt)}</td>
                        <td title={v.reason ?? undefined}>{v.state}</td>
                        {metricNames.map((k) => (
                          <td key={k}>{num(v.metrics[k] ?? null)}</td>
                        ))}
                        <td>
                          {v.state !== 'serving' && v.state !== 'rejected' ? (
                            <button type="button" onClick={() => act(async () => `Promoted ${(await api.promote(v.id)).id}`)}>
                              Promote
                            </button>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {m.versions.length === 0 ? (
                <p className="muted">No versions yet: the trainer (`curio worker` or training.worker) writes them.</p>
              ) : null}
            </>
          );
        }}
      </Show>
    </Card>
  );
}
