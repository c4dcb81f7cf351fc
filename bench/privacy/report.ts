/** The table bench:privacy prints and the chart it draws (one panel per dataset and setting). */
import { drawPng, drawSvg, type Panel, type Rgb, type Series } from '../plot.js';
import { EPSILON_OFF_X, type Group, type Point, type Setting } from './sweeps.js';

/** One line per point. */
export function formatPoints(points: readonly Point[]): string {
  const header = ['dataset', 'setting', 'value', 'group', 'hr@10', 'ndcg@10', 'sd hr@10', 'users'];
  const rows = points.map((p) => [
    p.dataset,
    p.setting,
    typeof p.value === 'number' ? String(p.value) : p.value,
    p.group,
    p['hr@10'].toFixed(4),
    p['ndcg@10'].toFixed(4),
    p.spread ? p.spread['hr@10'].toFixed(4) : '',
    String(p.users),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c < 4 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const COLOURS: Record<string, Rgb> = {
  hrAll: [31, 119, 180],
  ndcgAll: [255, 127, 14],
  hrGroup: [44, 160, 44],
  ndcgGroup: [214, 39, 40],
};

const SETTINGS: ReadonlyArray<{ setting: Setting; group: Group; groupName: string; xLabel: string }> = [
  { setting: 'optOut', group: 'optedIn', groupName: 'opted-in users', xLabel: 'users who turned personalisation off (%)' },
  {
    setting: 'epsilon',
    group: 'popularityServed',
    groupName: 'popularity-served users',
    xLabel: `log10 ε of the popularity list (${EPSILON_OFF_X} = off, exact)`,
  },
  { setting: 'retention', group: 'all', groupName: '', xLabel: 'retention window (days; Beauty: the share the shop window keeps)' },
];

/** Panels: a row per dataset, a column per setting; HR@10 and NDCG@10 over all users, and over the setting's group. */
export function chartPanels(points: readonly Point[]): Panel[] {
  const panels: Panel[] = [];
  for (const dataset of [...new Set(points.map((p) => p.dataset))]) {
    for (const s of SETTINGS) {
      const of = (group: Group): Point[] =>
        points
          .filter((p) => p.dataset === dataset && p.setting === s.setting && p.group === group && Number.isFinite(p.x))
          .sort((a, b) => a.x - b.x);
      const curve = (name: string, colour: Rgb, group: Group, metric: 'hr@10' | 'ndcg@10'): Series => ({
        name,
        color: colour,
        points: of(group).map((p) => [p.x, p[metric]]),
      });
      const series = [
        curve('HR@10, all users', COLOURS.hrAll, 'all', 'hr@10'),
        curve('NDCG@10, all users', COLOURS.ndcgAll, 'all', 'ndcg@10'),
      ];
      if (s.group !== 'all') {
        series.push(curve('HR@10, the group in the title', COLOURS.hrGroup, s.group, 'hr@10'));
        series.push(curve('NDCG@10, the group in the title', COLOURS.ndcgGroup, s.group, 'ndcg@10'));
      }
      if (series.some((x) => x.points.length > 0))
        panels.push({ title: `${dataset}: ${s.setting}${s.groupName ? ` (group: ${s.groupName})` : ''}`, xLabel: s.xLabel, series });
    }
  }
  return panels;
}

/** The chart as PNG and SVG (the SVG has the titles and the legend the PNG's digit font cannot draw). */
export function drawChart(points: readonly Point[]): { png: Buffer; svg: string } {
  const panels = chartPanels(points);
  return { png: drawPng(panels, SETTINGS.length), svg: drawSvg(panels, SETTINGS.length) };
}
