import type { Event, Item } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { round } from '../math/distribution.js';
import { userFeatures, type UserFeatures } from './features.js';
import { assignSegment, segmentUsers, type SegmentModel, type Segmentation, type SegmentOptions } from './segment.js';

const CSV_COLUMNS = ['user_id', 'segment', 'recency_days', 'sessions', 'events', 'monetary', 'orders', 'top_category'];

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per user: id, segment, RFM figures and their top category (RFC 4180 quoting). */
export function segmentationCsv(seg: Segmentation): string {
  const names = [...seg.model.categories, 'other'];
  const rows = seg.users.map((u) => {
    const f = u.features;
    const top = f.interests.some((v) => v > 0) ? names[f.interests.indexOf(Math.max(...f.interests))] : '';
    return [u.userId, u.segment, round(f.recencyDays, 3), f.sessions, f.events, round(f.monetary, 2), f.orders, top]
      .map(csvField)
      .join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

/** Reads every event and item of a store and segments its users. */
export async function segmentStore(store: Store, options: SegmentOptions = {}): Promise<Segmentation> {
  const events: Event[] = [];
  for await (const e of store.scanEvents()) events.push(e);
  const items = new Map<string, Item>();
  for await (const i of store.scanItems()) items.set(i.id, i);
  return segmentUsers(events, items, options);
}

/** A user's features and segment under a fitted model; null when the user has no events. */
export function userSegment(
  model: SegmentModel,
  userId: string,
  events: readonly Event[],
  items: ReadonlyMap<string, Item>,
): { segment: number; features: UserFeatures } | null {
  const mine = events.filter((e) => e.userId === userId).sort((a, b) => a.timestamp - b.timestamp);
  if (mine.length === 0) return null;
  const features = userFeatures(userId, mine, items, {
    categories: model.categories,
    categoryDepth: model.categoryDepth,
    asOf: Math.max(model.asOf, mine[mine.length - 1].timestamp),
  });
  return { segment: assignSegment(model, features), features };
}
