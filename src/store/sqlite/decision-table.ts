import { CurioError, jsonDeferringFloats } from '../../core/index.js';
import type { Decision, DecisionCandidate, DecisionScanQuery, ShownItem, UserSlate } from '../store.js';
import type { StatementCache, WriteStep } from './write-steps.js';

/** A decision as stored (SQLite and PostgreSQL share the columns). */
export interface DecisionRow {
  seq: number;
  recommendation_id: string;
  user_id: string;
  timestamp: number;
  policy: string;
  explore_weight: number;
  item_ids: string;
  scores: Buffer;
  clusters: string | null;
  shown_items: string | null;
  shown_propensities: Buffer | null;
  shown_slots: string | null;
  session_id: string | null;
  arm: string | null;
}

/** Scores as float64 little-endian: exact (Thompson reads the scale, ties are broken by 1e-9 offsets) and 8 bytes each. */
function packScores(candidates: readonly DecisionCandidate[]): Buffer {
  const out = Buffer.allocUnsafe(candidates.length * 8);
  candidates.forEach((c, i) => out.writeDoubleLE(c.score, i * 8));
  return out;
}

/** Cluster names once per decision, then an index per candidate (-1 = none); null when no candidate has one. */
function packClusters(candidates: readonly DecisionCandidate[]): string | null {
  const names: string[] = [];
  const index = new Map<string, number>();
  const of = candidates.map((c) => {
    if (c.cluster === undefined) return -1;
    let i = index.get(c.cluster);
    if (i === undefined) index.set(c.cluster, (i = names.push(c.cluster) - 1));
    return i;
  });
  return names.length === 0 ? null : JSON.stringify([names, of]);
}

/** Per shown item, its slot mark (-1 = at its position, a number = the policy's slot, null = pinned); null when none has one. */
function packSlots(shown: readonly ShownItem[]): string | null {
  return shown.every((s) => s.slot === undefined) ? null : JSON.stringify(shown.map((s) => (s.slot === undefined ? -1 : s.slot)));
}

/** The shown-item columns: ids, propensities (float64 LE), slot marks; all null when the decision has no `shown`. */
function shownParams(shown: readonly ShownItem[] | undefined): unknown[] {
  if (!shown) return [null, null, null];
  const propensities = Buffer.allocUnsafe(shown.length * 8);
  shown.forEach((s, i) => propensities.writeDoubleLE(s.propensity, i * 8));
  return [JSON.stringify(shown.map((s) => s.itemId)), propensities, packSlots(shown)];
}

/** Positional parameters of the decision insert, in the column order of INSERT_DECISION. */
export function decisionParams(d: Decision): unknown[] {
  const ids = JSON.stringify(d.candidates.map((c) => c.itemId));
  return [
    d.recommendationId,
    d.userId,
    d.timestamp,
    d.policy,
    d.exploreWeight,
    ids,
    packScores(d.candidates),
    packClusters(d.candidates),
    ...shownParams(d.shown),
    d.sessionId ?? null,
    d.arm ?? null,
  ];
}

function rowToShown(row: Pick<DecisionRow, 'shown_items' | 'shown_propensities' | 'shown_slots'>): ShownItem[] {
  const ids = JSON.parse(row.shown_items as string) as string[];
  const slots = row.shown_slots ? (JSON.parse(row.shown_slots) as Array<number | null>) : null;
  return ids.map((itemId, i) => {
    const propensity = (row.shown_propensities as Buffer).readDoubleLE(i * 8);
    const slot = slots?.[i];
    return slot === undefined || slot === -1 ? { itemId, propensity } : { itemId, propensity, slot };
  });
}

export function rowToDecision(row: DecisionRow): Decision {
  const ids = JSON.parse(row.item_ids) as string[];
  const [names, of] = row.clusters ? (JSON.parse(row.clusters) as [string[], number[]]) : [[], []];
  const candidates = ids.map((itemId, i): DecisionCandidate => {
    const c = of[i] ?? -1;
    const score = row.scores.readDoubleLE(i * 8);
    return c >= 0 ? { itemId, score, cluster: names[c] } : { itemId, score };
  });
  return {
    recommendationId: row.recommendation_id,
    userId: row.user_id,
    timestamp: row.timestamp,
    policy: row.policy,
    exploreWeight: row.explore_weight,
    candidates,
    ...(row.shown_items === null ? {} : { shown: rowToShown(row) }),
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
    ...(row.arm === null || row.arm === undefined ? {} : { arm: row.arm }),
  };
}

export const DECISION_COLUMNS =
  'recommendation_id,user_id,timestamp,policy,explore_weight,item_ids,scores,clusters,shown_items,shown_propensities,shown_slots,session_id,arm';

const INSERT_DECISION = `INSERT OR IGNORE INTO decisions
  (${DECISION_COLUMNS})
  VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`;

/** The inserts of decisions, one step each (run them in one transaction); a stored recommendationId is left as it was. */
export const decisionSteps = (decisions: readonly Decision[]): WriteStep[] =>
  decisions.map((d) => ({ sql: INSERT_DECISION, params: decisionParams(d) }));

/** Decisions in [from, to) by (timestamp, arrival), read in keyset-paginated batches (no long-lived cursor). */
export function* scanDecisionRows(sql: StatementCache, query: DecisionScanQuery): Generator<Decision> {
  const batch = query.batchSize ?? 1000;
  const to = query.to ?? Number.MAX_SAFE_INTEGER;
  const stmt = sql(`SELECT * FROM decisions WHERE (timestamp > ? OR (timestamp = ? AND seq > ?)) AND timestamp < ?
    ORDER BY timestamp, seq LIMIT ?`);
  let ts = query.from ?? Number.MIN_SAFE_INTEGER;
  let seq = -1;
  for (;;) {
    const rows = stmt.all(ts, ts, seq, to, batch) as DecisionRow[];
    for (const r of rows) yield rowToDecision(r);
    if (rows.length < batch) return;
    ts = rows[rows.length - 1].timestamp;
    seq = rows[rows.length - 1].seq;
  }
}

/** A user's newest `limit` served slates (decisions with shown items), oldest first, through the (user, time) index. */
export function userSlateRows(sql: StatementCache, userId: string, limit: number): UserSlate[] {
  const rows = sql(`SELECT recommendation_id, timestamp, shown_items FROM decisions WHERE user_id = ? AND shown_items IS NOT NULL
    ORDER BY timestamp DESC, seq DESC LIMIT ?`).all(userId, limit) as Array<
    Pick<DecisionRow, 'recommendation_id' | 'timestamp' | 'shown_items'>
  >;
  return rows.reverse().map((r) => ({
    recommendationId: r.recommendation_id,
    timestamp: r.timestamp,
    itemIds: JSON.parse(r.shown_items as string) as string[],
  }));
}

/** The JSON value saved under a key, or null. */
export function readState(sql: StatementCache, key: string): unknown {
  const text = sql('SELECT value FROM state WHERE key = ?').pluck().get(key) as string | undefined;
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/**
 * The write of a JSON-safe value under a key, as a step (the store's `write` runs it on the writer thread when
 * there is one). Its `PackedFloats` are encoded where the step runs (`assembleJson`): a policy's state is tens
 * of MB of base64, which the request thread would otherwise build and then copy to the writer as a string.
 */
export function stateWriteStep(key: string, value: unknown): WriteStep {
  const json = jsonDeferringFloats(value);
  if (json === undefined) throw new CurioError('BAD_INPUT', `state "${key}" must be a JSON value`);
  return {
    sql: `INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)
    ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    params: [key, json, Date.now()],
    deferredJson: 1,
  };
}
