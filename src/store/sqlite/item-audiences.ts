import { yieldToLoop } from '../../core/index.js';
import type { ItemAudience, ItemAudienceQuery } from '../store.js';
import { typeIndex } from './rows.js';
import type { StatementCache } from './write-steps.js';

/** Events read per statement: each runs on the request thread, so it must stay short. */
const CHUNK = 2_000;

interface AudienceRow {
  seq: number;
  timestamp: number;
  user_id: string;
  item_id: string;
}

/**
 * `Store.itemAudiences` on SQLite: the events walked newest first through the time index in chunks, with the
 * event loop free between them (one GROUP BY over the whole table would hold every request for seconds on a
 * large store). Walking newest first, a user's items are met in the order of their latest act on each, so
 * their first `maxItemsPerUser` distinct items are their newest ones.
 */
export async function itemAudiences(sql: StatementCache, query: ItemAudienceQuery): Promise<ItemAudience[]> {
  const impression = typeIndex('impression');
  const newest = sql(`SELECT timestamp FROM events WHERE type <> ${impression} ORDER BY timestamp DESC LIMIT 1`).get() as
    { timestamp: number } | undefined;
  if (!newest) return [];
  const from = query.windowMs === undefined ? Number.MIN_SAFE_INTEGER : newest.timestamp - query.windowMs;
  const page = sql(
    `SELECT seq, timestamp, user_id, item_id FROM events
     WHERE timestamp <= ? AND (timestamp, seq) < (?, ?) AND timestamp >= ? AND item_id IS NOT NULL AND type <> ${impression}
     ORDER BY timestamp DESC, seq DESC LIMIT ?`,
  );
  const itemsOf = new Map<string, Set<string>>();
  const users = new Map<string, number>();
  let ts = Number.MAX_SAFE_INTEGER;
  let seq = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows = page.all(ts, ts, seq, from, CHUNK) as AudienceRow[];
    for (const r of rows) {
      let items = itemsOf.get(r.user_id);
      if (!items) itemsOf.set(r.user_id, (items = new Set()));
      if (items.size >= query.maxItemsPerUser || items.has(r.item_id)) continue;
      items.add(r.item_id);
      users.set(r.item_id, (users.get(r.item_id) ?? 0) + 1);
    }
    if (rows.length < CHUNK) break;
    ts = rows[rows.length - 1].timestamp;
    seq = rows[rows.length - 1].seq;
    await yieldToLoop();
  }
  return [...users].map(([itemId, n]) => ({ itemId, users: n }));
}
