import { Area, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from 'recharts';
import type { PageProps } from '../app';
import type { CurioApi } from '../api/client';
import type { OpeReport } from '../api/types';
import { Card, num, PALETTE, pct, Show, Stat } from '../ui/parts';
import { useLoad } from '../ui/use-load';

/** The explore weights the curve is estimated at. */
const WEIGHTS = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1];
/** Hours of logged slates the exploration share is read from. */
const SHARE_HOURS = 24 * 7;

/** The deployment's policy evaluated off-policy at each weight, one after the other (each reads every logged slate). */
async function curve(api: CurioApi, policy: string, params: Record<string, unknown>): Promise<OpeReport[]> {
  const out: OpeReport[] = [];
  for (const w of WEIGHTS) out.push(await api.ope(policy, params, w));
  return out;
}

function Curve({ reports }: { reports: OpeReport[] }) {
  const rows = reports.map((r) => ({
    weight: r.exploreWeight,
    estimate: r.chosen?.estimate ?? null,
    interval: r.chosen ? [r.chosen.lower, r.chosen.upper] : null,
  }));
  const logged = reports[0]?.loggedRewardRate ?? null;
  return (
    <>
      <ComposedChart responsive style={{ width: '100%', height: 260 }} data={rows} accessibilityLayer>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          dataKey="weight"
          type="number"
          domain={[0, 1]}
          ticks={WEIGHTS}
          label={{ value: 'explore weight', position: 'insideBottom', offset: -2 }}
        />
        <YAxis width={56} tickFormatter={(v: number) => v.toFixed(3)} />
        <Tooltip formatter={(v) => (Array.isArray(v) ? v.map((x) => num(Number(x))).join(' – ') : num(Number(v)))} />
        <Legend verticalAlign="top" />
        <Area dataKey="interval" name="95% interval" fill={PALETTE[0]} fillOpacity={0.15} stroke="none" isAnimationActive={false} />
        <Line dataKey="estimate" name="reward per impression" stroke={PALETTE[0]} isAnimationActive={false} />
      </ComposedChart>
      <p className="muted small">
        Logged reward rate {num(logged, 4)} per impression. Each point is SLOPE&apos;s pick among SNIPS, DR and switch-DR.
      </p>
      <div className="scroll">
        <table data-testid="ope-table">
          <thead>
            <tr>
              <th scope="col">Explore weight</th>
              <th scope="col">Estimator</th>
              <th scope="col">Estimate</th>
              <th scope="col">95% interval</th>
              <th scope="col">Slates</th>
            </tr>
          </thead>
          <tbody>
            {reports.map((r) => (
              <tr key={r.exploreWeight}>
                <td>{r.exploreWeight}</td>
                <td>{r.chosen?.estimator ?? '–'}</td>
                <td>{num(r.chosen?.estimate ?? null, 4)}</td>
                <td>{r.chosen ? `${num(r.chosen.lower, 4)} – ${num(r.chosen.upper, 4)}` : 'no finite estimate'}</td>
                <td>{r.slates}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {reports.some((r) => r.warnings.length > 0) ? (
        <details>
          <summary>Warnings ({new Set(reports.flatMap((r) => r.warnings)).size})</summary>
          <ul>
            {[...new Set(reports.flatMap((r) => r.warnings))].map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

/** How much the deployment explores, and what exploring more or less would earn, estimated on its logged slates. */
export function Explore({ api }: PageProps) {
  const [status] = useLoad(() => api.status(), [api]);
  const [share] = useLoad(() => api.exploration(SHARE_HOURS), [api]);
  const [reports] = useLoad(async () => {
    const s = await api.status();
    return curve(api, s.policy.policy, s.policy.params);
  }, [api]);
  return (
    <div className="grid">
      <Card title="Policy in use" testId="policy">
        <Show loaded={status}>
          {(s) => (
            <>
              <p>
                <strong data-testid="policy-name">{s.policy.policy}</strong> on model {s.model ?? 'none (popular items only)'}
              </p>
              <p className="muted small">
                {Object.entries(s.policy.params)
                  .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
                  .join(' · ')}
              </p>
              <div className="stats">
                <Stat label="impressions seen" value={s.feedback.impressions} />
                <Stat label="rewards" value={s.feedback.rewards} />
              </div>
            </>
          )}
        </Show>
      </Card>
      <Card title={`Exploration share (last ${SHARE_HOURS / 24} days)`} testId="exploration-share">
        <Show loaded={share}>
          {(x) => (
            <>
              <div className="stats">
                <Stat label="of shown items explored" value={pct(x.share)} testId="share" />
                <Stat label="logged slates" value={x.slates.toLocaleString('en')} />
                <Stat label="mean explore weight" value={num(x.meanExploreWeight)} />
              </div>
              <p className="muted small">
                By policy:{' '}
                {Object.entries(x.byPolicy)
                  .map(([p, n]) => `${p} ${n}`)
                  .join(', ') || 'no slates logged'}
              </p>
            </>
          )}
        </Show>
      </Card>
      <Card title="Explore-weight curve (off-policy estimates)" wide testId="ope-curve">
        <Show loaded={reports}>{(r) => <Curve reports={r} />}</Show>
      </Card>
    </div>
  );
}
