import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import type { PageProps } from '../app';
import type { SegmentDescription } from '../api/types';
import { Card, num, PALETTE, pct, Show, Stat } from '../ui/parts';
import { useLoad } from '../ui/use-load';

const FEATURES: Array<{ key: keyof SegmentDescription; label: string }> = [
  { key: 'size', label: 'Users' },
  { key: 'conversionRate', label: 'Sessions with a purchase' },
  { key: 'averageOrderValue', label: 'Average order value' },
  { key: 'medianSessionEvents', label: 'Events per session (median)' },
  { key: 'medianSessionMinutes', label: 'Minutes per session (median)' },
  { key: 'medianRecencyDays', label: 'Days since last seen (median)' },
];

/** Saves text as a file through a temporary link: the CSV needs the key, so a plain href would not do. */
function download(text: string, name: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Shopper segments: how big, what they buy, a chart of one feature across them, and the per-user CSV. */
export function SegmentsPage({ api }: PageProps) {
  const [segments] = useLoad(() => api.segments(), [api]);
  const [feature, setFeature] = useState<keyof SegmentDescription>('conversionRate');
  const [csvError, setCsvError] = useState<string | null>(null);
  const saveCsv = async () => {
    try {
      download(await api.segmentsCsv(), 'curio-segments.csv');
      setCsvError(null);
    } catch (e) {
      setCsvError((e as Error).message);
    }
  };
  return (
    <Show loaded={segments}>
      {(s) => (
        <div className="grid">
          <Card title="Segmentation">
            <div className="stats">
              <Stat label="segments" value={s.segments.length} testId="segment-count" />
              <Stat label="users segmented" value={s.users.toLocaleString('en')} />
              <Stat label="silhouette" value={num(s.silhouette)} />
            </div>
            <button type="button" onClick={saveCsv}>
              Download CSV (one row per user)
            </button>
            {csvError ? <p className="error">{csvError}</p> : null}
          </Card>
          <Card title="Feature by segment">
            <label htmlFor="segment-feature">Feature </label>
            <select id="segment-feature" value={feature} onChange={(e) => setFeature(e.target.value as keyof SegmentDescription)}>
              {FEATURES.map((f) => (
                <option key={f.key} value={f.key}>
                  {f.label}
                </option>
              ))}
            </select>
            <BarChart
              responsive
              style={{ width: '100%', height: 220 }}
              data={s.segments.map((g) => ({ name: `#${g.segment}`, value: Number(g[feature]) }))}
              accessibilityLayer
            >
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="name" />
              <YAxis width={48} />
              <Tooltip />
              <Bar dataKey="value" name={FEATURES.find((f) => f.key === feature)?.label} isAnimationActive={false}>
                {s.segments.map((g, i) => (
                  <Cell key={g.segment} fill={PALETTE[i % PALETTE.length]} />
                ))}
              </Bar>
            </BarChart>
          </Card>
          <Card title="Segments" wide>
            <div className="scroll">
              <table data-testid="segments">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Users</th>
                    <th scope="col">Share</th>
                    <th scope="col">Conversion</th>
                    <th scope="col">Description</th>
                  </tr>
                </thead>
                <tbody>
                  {s.segments.map((g) => (
                    <tr key={g.segment}>
                      <td>{g.segment}</td>
                      <td>{g.size}</td>
                      <td>{pct(g.share)}</td>
                      <td>{pct(g.conversionRate)}</td>
                      <td>{g.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        </div>
      )}
    </Show>
  );
}
