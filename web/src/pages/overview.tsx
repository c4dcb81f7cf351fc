import { useEffect, useRef, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { PageProps } from '../app';
import { httpSnapshot, parsePrometheus, quantileBetween, type HttpSnapshot } from '../api/prometheus';
import type { Activity } from '../api/types';
import { allows } from '../session';
import { Card, num, PALETTE, Show, Stat } from '../ui/parts';
import { useLoad } from '../ui/use-load';

/** How often the live parts ask again. */
const POLL_MS = 5000;

function usePoll(reload: () => void) {
  useEffect(() => {
    const timer = setInterval(reload, POLL_MS);
    return () => clearInterval(timer);
  }, [reload]);
}

const minuteLabel = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function EventsChart({ activity }: { activity: Activity }) {
  const types = [...new Set(activity.perMinute.flatMap((m) => Object.keys(m.counts)))].sort();
  const rows = activity.perMinute.map((m) => ({ minute: minuteLabel(m.minute), ...m.counts }));
  const total = activity.perMinute.reduce((sum, m) => sum + Object.values(m.counts).reduce((a, b) => a + b, 0), 0);
  return (
    <>
      <p className="muted" data-testid="events-last-hour">
        {total.toLocaleString('en')} events in the last {activity.perMinute.length} minutes (UTC, by event time)
        {activity.truncated ? '; more than the server counts per request, later minutes undercounted' : ''}
        {activity.suppressed ? `; ${activity.suppressed} minute and type cells of too few shoppers hidden (privacy.minGroupSize)` : ''}
        {total === 0 ? '; the chart fills as events arrive' : ''}
      </p>
      <BarChart responsive style={{ width: '100%', height: 260 }} data={rows} accessibilityLayer>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="minute" interval="preserveStartEnd" minTickGap={24} />
        <YAxis allowDecimals={false} width={40} />
        <Tooltip />
        <Legend />
        {types.map((t, i) => (
          <Bar key={t} dataKey={t} stackId="events" fill={PALETTE[i % PALETTE.length]} isAnimationActive={false} />
        ))}
      </BarChart>
    </>
  );
}

/** Request rate and latency between successive scrapes of /metrics, kept for the last few minutes. */
function ServerTraffic({ api }: Pick<PageProps, 'api'>) {
  const [history, setHistory] = useState<Array<{ t: string; rate: number; p50: number | null; p99: number | null }>>([]);
  const [error, setError] = useState<string | null>(null);
  const last = useRef<HttpSnapshot | null>(null);
  useEffect(() => {
    let live = true;
    const scrape = async () => {
      try {
        const snap = httpSnapshot(parsePrometheus(await api.metrics()), Date.now());
        const before = last.current;
        last.current = snap;
        if (!live || !before) return;
        const seconds = (snap.at - before.at) / 1000;
        const ms = (s: number | null) => (s === null ? null : s * 1000);
        const point = {
          t: new Date(snap.at).toISOString().slice(11, 19),
          rate: (snap.requests - before.requests) / seconds,
          p50: ms(quantileBetween(before, snap, 0.5)),
          p99: ms(quantileBetween(before, snap, 0.99)),
        };
        setHistory((h) => [...h.slice(-59), point]);
        setError(null);
      } catch (e) {
        if (live) setError((e as Error).message);
      }
    };
    void scrape();
    const timer = setInterval(scrape, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api]);
  const now = history.at(-1);
  return (
    <>
      {error ? <p className="error">{error}</p> : null}
      <div className="stats">
        <Stat label="requests / s" value={now ? num(now.rate, 2) : '…'} testId="request-rate" />
        <Stat label="p50 latency (ms)" value={now ? num(now.p50, 1) : '…'} />
        <Stat label="p99 latency (ms)" value={now ? num(now.p99, 1) : '…'} />
      </div>
      <LineChart responsive style={{ width: '100%', height: 180 }} data={history} accessibilityLayer>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="t" minTickGap={30} />
        <YAxis width={40} />
        <Tooltip />
        <Legend />
        <Line dataKey="rate" name="requests/s" stroke={PALETTE[0]} dot={false} isAnimationActive={false} />
        <Line dataKey="p99" name="p99 ms" stroke={PALETTE[3]} dot={false} isAnimationActive={false} />
      </LineChart>
      <p className="muted">
        From the server&apos;s /metrics, every {POLL_MS / 1000} s, over all routes (the console&apos;s own requests included).
      </p>
    </>
  );
}

function ServingModel({ api }: Pick<PageProps, 'api'>) {
  const [models] = useLoad(() => api.models(), [api]);
  return (
    <Show loaded={models}>
      {(m) => {
        const serving = m.versions.find((v) => v.id === m.serving);
        if (!serving) return <p className="muted">No registry version serves yet: the server fits serving.model itself.</p>;
        const holdout = Object.entries(serving.metrics).filter(([k]) => k.startsWith('holdout'));
        return (
          <>
            <p data-testid="serving-version">
              <strong>{serving.model}</strong> <code>{serving.id}</code>
            </p>
            <table>
              <tbody>
                {holdout.map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td>{num(v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        );
      }}
    </Show>
  );
}

/** The shop at a glance: live events by type, store totals, the serving model, server traffic. */
export function Overview({ api, scopes }: PageProps) {
  const [activity, reload] = useLoad(() => api.activity(60), [api]);
  usePoll(reload);
  return (
    <div className="grid">
      <Card title="Store" testId="store-totals">
        <Show loaded={activity}>
          {(a) => (
            <div className="stats">
              <Stat label="user records" value={a.totals.users.toLocaleString('en')} testId="total-users" />
              <Stat label="items" value={a.totals.items.toLocaleString('en')} testId="total-items" />
              <Stat label="events" value={a.totals.events.toLocaleString('en')} testId="total-events" />
            </div>
          )}
        </Show>
      </Card>
      {allows(scopes, 'admin') ? (
        <Card title="Serving model" testId="serving-model">
          <ServingModel api={api} />
        </Card>
      ) : null}
      <Card title="Events per minute by type (live)" wide testId="events-chart">
        <Show loaded={activity}>{(a) => <EventsChart activity={a} />}</Show>
      </Card>
      <Card title="Requests and latency (live)" wide>
        <ServerTraffic api={api} />
      </Card>
    </div>
  );
}
