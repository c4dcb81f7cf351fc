import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { PageProps } from '../app';
import type { CurioApi } from '../api/client';
import type { InterestProfile as Profile } from '../api/types';
import { Card, num, PALETTE, pct, Show, Stat, when } from '../ui/parts';
import { SlateTable } from '../ui/slate-table';
import { useLoad } from '../ui/use-load';
import { IdForm } from '../ui/user-form';

const SLATE_SIZE = 10;

function Timeline({ api, userId }: { api: CurioApi; userId: string }) {
  const [events] = useLoad(() => api.userEvents(userId, 50), [api, userId]);
  return (
    <Show loaded={events}>
      {(list) =>
        list.length === 0 ? (
          <p className="muted" data-testid="no-events">
            No events stored for this user.
          </p>
        ) : (
          <ol className="timeline" data-testid="timeline">
            {[...list]
              .sort((a, b) => b.timestamp - a.timestamp)
              .map((e) => (
                <li key={e.id}>
                  <time>{when(e.timestamp)}</time> <span className={`badge t-${e.type}`}>{e.type}</span>{' '}
                  {e.itemId ? <a href={`#/items/${encodeURIComponent(e.itemId)}`}>{e.itemId}</a> : null}
                  {e.value !== null ? <span className="muted"> · {e.value}</span> : null}
                </li>
              ))}
          </ol>
        )
      }
    </Show>
  );
}

/** All-time against recent share per top-level category: where the two bars part, the interest drifted. */
function DriftChart({ interests }: { interests: Profile }) {
  const top = (list: Profile['categories']) => list.filter((c) => !c.key.includes(' > '));
  const recent = new Map(top(interests.recent.categories).map((c) => [c.key, c.share]));
  const keys = new Set([...top(interests.categories).map((c) => c.key), ...recent.keys()]);
  const all = new Map(top(interests.categories).map((c) => [c.key, c.share]));
  const rows = [...keys].map((key) => ({ category: key, 'all time': all.get(key) ?? 0, recent: recent.get(key) ?? 0 }));
  return (
    <BarChart responsive style={{ width: '100%', height: 240 }} data={rows} layout="vertical" accessibilityLayer>
      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
      <XAxis type="number" domain={[0, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
      <YAxis type="category" dataKey="category" width={120} />
      <Tooltip formatter={(v) => pct(Number(v))} />
      <Legend />
      <Bar dataKey="all time" fill={PALETTE[0]} isAnimationActive={false} />
      <Bar dataKey="recent" fill={PALETTE[1]} isAnimationActive={false} />
    </BarChart>
  );
}

/** Profiles as of this many moments, evenly spread over the user's recent events (each one request). */
const DRIFT_POINTS = 6;
/** Top-level categories drawn over time: the strongest now. */
const DRIFT_CATEGORIES = 4;

/**
 * The long-term share of the top categories, and the drift score, at moments across the user's history:
 * the server keeps no profile history, so each point is the profile recomputed as of that moment (`at`).
 */
function DriftOverTime({ api, userId, now }: { api: CurioApi; userId: string; now: Profile }) {
  const [points] = useLoad(async () => {
    const events = await api.userEvents(userId, 200);
    const first = Math.min(...events.map((e) => e.timestamp));
    const last = now.asOf ?? Math.max(...events.map((e) => e.timestamp));
    if (!Number.isFinite(first) || last <= first) return [];
    const moments = Array.from({ length: DRIFT_POINTS }, (_, k) => Math.round(first + ((last - first) * (k + 1)) / DRIFT_POINTS));
    return Promise.all(moments.map(async (at) => ({ at, profile: await api.interests(userId, at) })));
  }, [api, userId, now]);
  const top = now.categories.filter((c) => !c.key.includes(' > ')).slice(0, DRIFT_CATEGORIES);
  return (
    <Show loaded={points}>
      {(list) =>
        list.length < 2 ? (
          <p className="muted">Too short a history to draw drift over time.</p>
        ) : (
          <LineChart
            responsive
            style={{ width: '100%', height: 220 }}
            data={list.map(({ at, profile }) => ({
              moment: when(at).slice(0, 16),
              drift: profile.personalization ? (profile.drift?.score ?? 0) : 0,
              ...Object.fromEntries(
                top.map((c) => [c.key, profile.personalization ? (profile.categories.find((x) => x.key === c.key)?.share ?? 0) : 0]),
              ),
            }))}
            accessibilityLayer
            data-testid="drift-over-time"
          >
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="moment" minTickGap={24} />
            <YAxis domain={[0, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
            <Tooltip formatter={(v) => pct(Number(v))} />
            <Legend />
            {top.map((c, k) => (
              <Line key={c.key} dataKey={c.key} stroke={PALETTE[k % PALETTE.length]} dot={false} isAnimationActive={false} />
            ))}
            <Line dataKey="drift" stroke="#888" strokeDasharray="4 3" dot={false} isAnimationActive={false} />
          </LineChart>
        )
      }
    </Show>
  );
}

function InterestProfile({ api, userId }: { api: CurioApi; userId: string }) {
  const [interests] = useLoad(() => api.interests(userId), [api, userId]);
  return (
    <Show loaded={interests}>
      {(i) =>
        !i.personalization ? (
          <p className="muted">This user refused personalisation: no profile is built.</p>
        ) : (
          <div data-testid="interests">
            <div className="stats">
              <Stat label="events" value={i.events} />
              <Stat label="drift score" value={num(i.drift?.score ?? null)} />
              <Stat label="top brand" value={i.brands[0]?.key ?? '–'} />
            </div>
            <DriftChart interests={i} />
            <h3>Over time</h3>
            <div data-testid="drift-history">
              <DriftOverTime api={api} userId={userId} now={i} />
            </div>
            {i.drift && i.drift.newInterests.length > 0 ? (
              <>
                <h3>New interests</h3>
                <ul>
                  {i.drift.newInterests.slice(0, 6).map((n) => (
                    <li key={`${n.dimension}:${n.key}`}>
                      {n.dimension} <strong>{n.key}</strong> {pct(n.share)} since {when(n.firstSeenAt)}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            <h3>Interest clusters</h3>
            {i.clusters && i.clusters.clusters.length > 0 ? (
              <ul data-testid="clusters">
                {i.clusters.clusters.map((c) => (
                  <li key={c.label}>
                    <strong>{c.label}</strong> {pct(c.share)} · {c.itemIds.slice(0, 5).join(', ')}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">Too few events for clusters.</p>
            )}
          </div>
        )
      }
    </Show>
  );
}

const STAGE_COLOUR = { established: PALETTE[0], fading: PALETTE[1], unknown: PALETTE[2] } as const;
/** Interests in the uncertainty chart (the table lists all). */
const UNCERTAINTY_CHART = 12;

/** Where exploration will look: the policy's appeal and uncertainty per interest, most uncertain first. */
function InterestUncertainty({ api, userId }: { api: CurioApi; userId: string }) {
  const [view] = useLoad(() => api.uncertainty(userId), [api, userId]);
  const chart = view.state === 'ready' ? (view.value.interests ?? []).slice(0, UNCERTAINTY_CHART) : [];
  return (
    <Show loaded={view}>
      {(u) =>
        !u.personalization ? (
          <p className="muted">This user refused personalisation.</p>
        ) : !u.available ? (
          <p className="muted">The serving policy ({u.policy}) keeps no belief; neural-thompson and neural-ucb do.</p>
        ) : (
          <div data-testid="uncertainty">
            <p className="muted">
              {u.policy}: the appeal the model gives each interest among the next slate&apos;s candidates, and how unsure it is (sd on the
              probit scale). Exploration goes to the uncertain ones that could be good. The chart shows the {UNCERTAINTY_CHART} most
              uncertain; by stage:{' '}
              {Object.entries(STAGE_COLOUR).map(([stage, colour]) => (
                <span key={stage} style={{ color: colour, marginRight: '0.5em' }}>
                  {stage}
                </span>
              ))}
            </p>
            <BarChart width={520} height={Math.max(120, 32 * chart.length)} data={chart} layout="vertical">
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis type="number" />
              <YAxis type="category" dataKey="category" width={210} interval={0} />
              <Tooltip formatter={(v) => num(Number(v))} />
              <Bar dataKey="uncertainty" isAnimationActive={false}>
                {chart.map((i) => (
                  <Cell key={i.category} fill={STAGE_COLOUR[i.stage]} />
                ))}
              </Bar>
            </BarChart>
            <table>
              <thead>
                <tr>
                  <th>interest</th>
                  <th>stage</th>
                  <th>candidates</th>
                  <th>appeal</th>
                  <th>uncertainty</th>
                </tr>
              </thead>
              <tbody>
                {(u.interests ?? []).map((i) => (
                  <tr key={i.category}>
                    <td>{i.category}</td>
                    <td style={{ color: STAGE_COLOUR[i.stage] }}>{i.stage}</td>
                    <td>{i.candidates}</td>
                    <td>{pct(i.appeal)}</td>
                    <td>{num(i.uncertainty)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      }
    </Show>
  );
}

function SegmentAndIntent({ api, userId }: { api: CurioApi; userId: string }) {
  const [segment] = useLoad(() => api.userSegment(userId), [api, userId]);
  const [intent] = useLoad(() => api.intent(userId), [api, userId]);
  return (
    <>
      <h3>Segment</h3>
      <Show loaded={segment}>
        {(s) =>
          !s.personalization ? (
            <p className="muted">This user refused personalisation: not segmented.</p>
          ) : s.segment ? (
            <p data-testid="user-segment">
              <a href="#/segments">Segment {s.segment.segment}</a>: {s.segment.description}
            </p>
          ) : (
            <p className="muted">In no segment.</p>
          )
        }
      </Show>
      <h3>Purchase intent</h3>
      <Show loaded={intent}>
        {(t) =>
          !t.personalization ? (
            <p className="muted">This user refused personalisation: no intent is predicted.</p>
          ) : (
            <div className="stats" data-testid="intent">
              <Stat label="buys in this session" value={pct(t.inSession)} />
              <Stat label={`buys within ${t.withinNextEvents?.events ?? '–'} events`} value={pct(t.withinNextEvents?.probability)} />
              <Stat label="session" value={t.sessionActive ? 'active' : 'none open'} />
            </div>
          )
        }
      </Show>
    </>
  );
}

function Recommendations({ api, userId }: { api: CurioApi; userId: string }) {
  const [explore, setExplore] = useState<number | null>(null);
  const [slate] = useLoad(() => api.recommendations(userId, SLATE_SIZE, explore), [api, userId, explore]);
  const shown = explore ?? (slate.state === 'ready' ? slate.value.exploreWeight : 0);
  return (
    <>
      <div className="slider">
        <label htmlFor="explore-weight">Explore weight</label>
        <input
          id="explore-weight"
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={shown}
          onChange={(e) => setExplore(Number(e.target.value))}
          aria-valuetext={shown.toFixed(2)}
        />
        <output htmlFor="explore-weight" data-testid="explore-value">
          {shown.toFixed(2)}
        </output>
        {explore === null ? <span className="muted small">the deployment&apos;s setting</span> : null}
      </div>
      <Show loaded={slate}>
        {(s) => (
          <>
            <p className="muted small">
              {s.mode} · policy {s.policy} · model {s.model ?? 'none'} · exploreWeight {s.exploreWeight}
            </p>
            <SlateTable items={s.items} testId="slate" />
          </>
        )}
      </Show>
      <p className="muted small">Each slate asked here is served and logged like any other (impressions, decisions).</p>
    </>
  );
}

/** One shopper: what they did, what they like and how it moved, who they resemble, what they are shown and why. */
export function Shopper({ api, arg, go }: PageProps) {
  return (
    <>
      <IdForm label="User id" initial={arg} onSubmit={(id) => go('shopper', id)} />
      {arg ? <Known api={api} userId={arg} /> : <p className="muted">Enter a user id (the shop&apos;s own id) to see their profile.</p>}
    </>
  );
}

/** Asks first whether the server knows the user, so an unknown or erased one is said so without failed requests. */
function Known({ api, userId }: { api: CurioApi; userId: string }) {
  const [state] = useLoad(() => api.consent(userId), [api, userId]);
  return (
    <Show loaded={state}>
      {(s) =>
        s.known ? (
          <Profile api={api} userId={userId} />
        ) : (
          <p data-testid="unknown-user">
            No user <code>{userId}</code>: no record and no events (never seen, or erased).
          </p>
        )
      }
    </Show>
  );
}

function Profile({ api, userId }: { api: CurioApi; userId: string }) {
  return (
    <div className="grid" key={userId}>
      <Card title="Recommendations now" wide>
        <Recommendations api={api} userId={userId} />
      </Card>
      <Card title="Interest profile and drift">
        <InterestProfile api={api} userId={userId} />
      </Card>
      <Card title="Segment and intent">
        <SegmentAndIntent api={api} userId={userId} />
      </Card>
      <Card title="What the model is unsure about" wide>
        <InterestUncertainty api={api} userId={userId} />
      </Card>
      <Card title="Event timeline (newest first)" wide>
        <Timeline api={api} userId={userId} />
      </Card>
    </div>
  );
}
