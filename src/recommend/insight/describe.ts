import type { SegmentSummary } from '../../interest/index.js';

const pct = (x: number): string => `${Math.round(x * 100)} %`;

/** One readable line for a segment, e.g. "120 users (24 %): mostly Beauty (70 %), Fashion; order value 40; ...". */
export function describeSegment(s: SegmentSummary): string {
  const [top, ...rest] = s.topCategories;
  const interests = top
    ? `mostly ${top.category} (${pct(top.share)})${rest.length ? `, then ${rest.map((c) => c.category).join(', ')}` : ''}`
    : 'no category interest';
  const buying =
    s.conversionRate > 0 ? `average order ${s.averageOrderValue}, buys in ${pct(s.conversionRate)} of sessions` : 'has not bought';
  const session = `typical session ${s.medianSessionEvents} events / ${s.medianSessionMinutes} min`;
  return `${s.size} ${s.size === 1 ? 'user' : 'users'} (${pct(s.share)}): ${interests}; ${buying}; ${session}; last seen ${s.medianRecencyDays} days ago (median)`;
}
