import { DEFAULT_EVENT_WEIGHTS, EVENT_TYPES, type EventWeights, type Rng } from '../core/index.js';
import { sparseTopK, topK, type UserState } from '../models/index.js';
import { interestFrontier, type InterestShares } from '../explore/index.js';
import type { ColdItems, ColdScores } from './cold-items.js';
import { NO_CATEGORY } from './item-table.js';
import type { LiveLists } from './live-lists.js';
import type { Profile } from './profile.js';
import type { Rules } from './rules.js';
import type { ServingSnapshot } from './snapshot.js';

/** One candidate with the signal of every source that proposed it. */
export interface CandidateRow {
  index: number;
  /** The model's score; NaN when there is no model, or the item is newer than it and the model cannot score it from its attributes. */
  model: number;
  /** Co-visitation with the user's recent items (recency and behaviour weighted). */
  covisit: number;
  /** Position in the history of the item that contributed most co-visitation; -1 if none. */
  anchor: number;
  trend: number;
  popular: number;
  isNew: boolean;
  /** From the exploration pool: a category the user has not shown interest in. */
  pool: boolean;
  /** Shop by photo: the item's visual similarity to the shopper's photo; NaN in other requests. */
  lookalike: number;
  /** The ranking score, filled in by `rankCandidates`. */
  score: number;
}

export interface GatherInput {
  snap: ServingSnapshot;
  live: LiveLists;
  profile: Profile;
  rules: Rules;
  /** Table index of each history event (-1 for items the table does not know), oldest first. */
  historyIndex: Int32Array;
  /** How many the model and the popular lists propose. */
  perSource: number;
  explorationCategories: number;
  /** Where the exploration pool's categories come from (default frontier, when the snapshot knows category pairs). */
  explorationPool?: 'frontier' | 'random';
  /** The policy reads the user vector: score through it (one forward pass) and hand it back in `stateOut`. */
  wantsState?: boolean;
  /** Shop by photo: the only candidates are these items (table index → visual similarity to the photo). */
  lookalikes?: ReadonlyMap<number, number>;
  stateOut?: { vector: Float32Array | null };
  eventWeights?: EventWeights;
  rng: Rng;
}

/** What the model run left behind: the query vector of an index search, the items a sparse scoring wrote to, the cold items' scores. */
interface ModelRun {
  annVector?: Float32Array;
  changed?: Int32Array;
  cold?: ColdScores;
  /** The user vector, when a forward pass gave one. */
  vector?: Float32Array;
  /** The scratch holds this request's score of every model item. */
  dense?: boolean;
}

/** Co-visitation anchors: the newest few history items. */
const ANCHORS = 5;
const ANCHOR_DECAY = 0.7;
const POOL_ITEMS_PER_CATEGORY = 2;
/** Trending items proposed to people with a history (the model is their main source). */
const TRENDING_PERSONAL = 20;

/**
 * The request's candidates, each once, in the order proposed. Which items are already in is kept in a
 * slot array over the whole catalogue (place in the list + 1; 0 for absent) that every request reuses and
 * clears after itself, instead of a hash map per request: gathering is the largest share of what a
 * request allocates, and the pipeline is synchronous, so one request at a time uses it.
 */
class Rows {
  readonly list: CandidateRow[] = [];

  constructor(private readonly slots: Int32Array) {}

  get(index: number): CandidateRow | undefined {
    const slot = index < this.slots.length ? this.slots[index] : 0;
    return slot === 0 ? undefined : this.list[slot - 1];
  }

  add(r: CandidateRow): void {
    this.list.push(r);
    this.slots[r.index] = this.list.length;
  }

  /** Leaves the slot array all zero for the next request. */
  clear(): void {
    for (const r of this.list) this.slots[r.index] = 0;
  }
}

let slotScratch = new Int32Array(0);

function rowsFor(items: number): Rows {
  if (slotScratch.length < items) slotScratch = new Int32Array(Math.max(items, 2 * slotScratch.length));
  return new Rows(slotScratch);
}

function row(rows: Rows, snap: ServingSnapshot, index: number): CandidateRow {
  let r = rows.get(index);
  if (!r) {
    const model = snap.model && index < snap.nModelItems ? snap.scratch[index] : Number.NaN;
    r = {
      index,
      model,
      covisit: 0,
      anchor: -1,
      trend: snap.items.trend[index],
      popular: index < snap.popularity.length ? snap.popularity[index] : 0,
      isNew: false,
      pool: false,
      lookalike: Number.NaN,
      score: 0,
    };
    rows.add(r);
  }
  return r;
}

/** The model's state for this history: model item indexes, behaviour tokens, times. */
function modelState(input: GatherInput): UserState {
  const { snap, profile, historyIndex } = input;
  const keep: number[] = [];
  historyIndex.forEach((i, h) => {
    if (i >= 0 && i < snap.nModelItems) keep.push(h);
  });
  const user = profile.storedUserId !== null ? snap.userRows?.get(profile.storedUserId) : undefined;
  return {
    user,
    items: Int32Array.from(keep, (h) => historyIndex[h]),
    types: Uint8Array.from(keep, (h) => EVENT_TYPES.indexOf(profile.history[h].type)),
    timestampsMs: Float64Array.from(keep, (h) => profile.history[h].timestamp),
  };
}

/**
 * Scores every item with the model (into the snapshot's scratch) and proposes the best allowed ones; with
 * an ANN index, proposes the index's best allowed ones. What it leaves behind goes into `run` as soon as it
 * exists (the user vector that scores the rest, the items a sparse scoring wrote to), so the caller can
 * undo it even when this throws half-way.
 */
function modelCandidates(input: GatherInput, rows: Rows, run: ModelRun): void {
  const { snap, rules } = input;
  if (!snap.model) return;
  // Items added since the training, scored from their attributes when the model can (curio-seq).
  const cold = snap.cold && !snap.model.sparse && snap.cold.count > 0 ? snap.cold : null;
  if (snap.ann) {
    const vector = snap.userVectors?.vectorFor(modelState(input)) ?? snap.ann.model.userVector(modelState(input));
    let worst = Number.POSITIVE_INFINITY;
    const hits = snap.ann.index.search(vector, input.perSource, rules.allows);
    for (const hit of hits) {
      snap.scratch[hit.index] = hit.score;
      row(rows, snap, hit.index);
      worst = Math.min(worst, hit.score);
    }
    run.annVector = vector;
    run.vector = vector;
    if (!cold) return;
    const threshold = hits.length < input.perSource ? Number.NEGATIVE_INFINITY : worst;
    run.cold = coldCandidates(input, rows, cold, vector, threshold);
    return;
  }
  const sparse = snap.model.sparse;
  if (sparse) {
    // The scratch holds the prior between requests; this request's terms are added to it and taken off
    // again when the candidates are gathered (gatherCandidates).
    const changed = sparse.addTerms(modelState(input), snap.scratch);
    run.changed = changed;
    // rules.allows is the dense path's filter: stock, this request's exclusions and the category mask.
    for (const i of sparseTopK(sparse, snap.scratch, changed, input.perSource, (i: number) => !rules.allows(i))) row(rows, snap, i);
    return;
  }
  // With cold items, or for a policy that reads it, one forward pass gives the user vector that scores both
  // the model's items and the cold ones.
  const byVector = cold ?? (input.wantsState ? snap.cold : null);
  const vector = byVector ? (snap.userVectors?.vectorFor(modelState(input)) ?? byVector.model.userVector(modelState(input))) : undefined;
  const scores = byVector && vector ? byVector.scoreModelItems(vector, snap.scratch) : snap.model.scoreAll(modelState(input), snap.scratch);
  run.vector = vector;
  run.dense = true;
  for (const i of rules.excluded) if (i < scores.length) scores[i] = Number.NEGATIVE_INFINITY;
  if (rules.categoryMask) {
    const mask = rules.categoryMask;
    const cat = snap.items.category;
    for (let i = 0; i < scores.length; i++) if (cat[i] === NO_CATEGORY || mask[cat[i]] === 0) scores[i] = Number.NEGATIVE_INFINITY;
  }
  const top = topK(scores, input.perSource, snap.items.unavailable);
  for (const i of top) row(rows, snap, i);
  if (!cold || !vector) return;
  // topK is best first: its last item is the worst proposal.
  const threshold = top.length === input.perSource ? scores[top[top.length - 1]] : Number.NEGATIVE_INFINITY;
  run.cold = coldCandidates(input, rows, cold, vector, threshold);
}

/**
 * Scores the cold items for this user and proposes those that would have made the model's top
 * `perSource` (scoring at least its worst proposal), next to the model's own: a new item enters the
 * shortlist on merit, and the model's own proposals stay what they were.
 */
function coldCandidates(input: GatherInput, rows: Rows, cold: ColdItems, vector: Float32Array, threshold: number): ColdScores {
  const scores = cold.score(vector);
  for (const i of scores.best(input.perSource, threshold, input.rules.allows)) row(rows, input.snap, i);
  return scores;
}

/** Neighbours of the newest history items, weighted by recency and behaviour (a dislike proposes nothing). */
function covisitCandidates(input: GatherInput, rows: Rows): void {
  const { snap, profile, historyIndex, rules } = input;
  const weights = input.eventWeights ?? DEFAULT_EVENT_WEIGHTS;
  const lists = snap.similar;
  const seen = new Set<number>();
  let decay = 1;
  for (let h = historyIndex.length - 1; h >= 0 && seen.size < ANCHORS; h--) {
    const i = historyIndex[h];
    if (i < 0 || seen.has(i)) continue;
    seen.add(i);
    const w = decay * Math.max(0, weights[profile.history[h].type]);
    decay *= ANCHOR_DECAY;
    if (w <= 0 || i + 1 >= lists.indptr.length) continue;
    for (let p = lists.indptr[i]; p < lists.indptr[i + 1]; p++) {
      const j = lists.indices[p];
      if (!rules.allows(j)) continue;
      const r = row(rows, snap, j);
      const add = w * lists.weights[p];
      if (r.anchor < 0 || add > r.covisit) r.anchor = h;
      r.covisit += add;
    }
  }
}

function listCandidates(input: GatherInput, rows: Rows, personal: boolean): void {
  const { snap, live, rules } = input;
  let taken = 0;
  const trending = personal ? TRENDING_PERSONAL : input.perSource;
  for (const i of live.trending()) {
    if (taken >= trending) break;
    if (!rules.allows(i)) continue;
    row(rows, snap, i);
    taken++;
  }
  taken = 0;
  for (const i of live.newest()) {
    if (taken >= 10) break;
    if (!rules.allows(i)) continue;
    row(rows, snap, i).isNew = true;
    taken++;
  }
  if (personal) return;
  taken = 0;
  for (const i of snap.popularOverall) {
    if (taken >= input.perSource) break;
    if (!rules.allows(i)) continue;
    row(rows, snap, i);
    taken++;
  }
}

/** Events at the end of the history that make the recent interest shares of the frontier. */
const RECENT_EVENTS = 10;
/** Popular items of a frontier category among which the model's best are taken. */
const FRONTIER_SCAN = 50;

/** The user's interest shares by category name: over the whole history, and over its newest events. */
export function historyShares(input: Pick<GatherInput, 'snap' | 'historyIndex' | 'profile' | 'eventWeights'>): InterestShares {
  const { snap, historyIndex, profile } = input;
  const weights = input.eventWeights ?? DEFAULT_EVENT_WEIGHTS;
  const t = snap.items;
  const long = new Map<string, number>();
  const recent = new Map<string, number>();
  let longTotal = 0;
  let recentTotal = 0;
  historyIndex.forEach((i, h) => {
    if (i < 0 || t.category[i] === NO_CATEGORY) return;
    const w = Math.max(0, weights[profile.history[h].type]);
    if (w === 0) return;
    const key = t.categories[t.category[i]];
    long.set(key, (long.get(key) ?? 0) + w);
    longTotal += w;
    if (h < historyIndex.length - RECENT_EVENTS) return;
    recent.set(key, (recent.get(key) ?? 0) + w);
    recentTotal += w;
  });
  for (const [k, v] of long) long.set(k, v / longTotal);
  for (const [k, v] of recent) recent.set(k, v / recentTotal);
  return { long, recent };
}

/** The exploration pool's categories: the interest frontier, or a few random ones the user has not shown. */
function poolCategories(input: GatherInput): number[] {
  const { snap, rules, historyIndex, rng } = input;
  const t = snap.items;
  const open = (c: number): boolean => (snap.popularByCategory[c]?.length ?? 0) > 0 && (!rules.categoryMask || rules.categoryMask[c] === 1);
  if (snap.cooccurrence && input.explorationPool !== 'random') {
    const closed = new Set(t.categories.filter((_, c) => !open(c)));
    return interestFrontier({
      shares: historyShares(input),
      cooccurrence: snap.cooccurrence,
      count: input.explorationCategories,
      exclude: closed,
    })
      .map((f) => t.categoryIndex.get(f.key))
      .filter((c): c is number => c !== undefined);
  }
  const seen = new Set<number>();
  for (const i of historyIndex) if (i >= 0 && t.category[i] !== NO_CATEGORY) seen.add(t.category[i]);
  const unseen: number[] = [];
  snap.popularByCategory.forEach((_, c) => {
    if (!seen.has(c) && open(c)) unseen.push(c);
  });
  for (let k = 0; k < Math.min(input.explorationCategories, unseen.length); k++) {
    const pick = k + rng.int(unseen.length - k); // partial Fisher-Yates
    [unseen[k], unseen[pick]] = [unseen[pick], unseen[k]];
  }
  return unseen.slice(0, input.explorationCategories);
}

/**
 * The exploration pool: a few categories (the frontier's, or random unseen ones), each with a couple of
 * allowed items: the model's best among its popular ones when this request scored every item, else the most
 * popular.
 */
function explorationPool(input: GatherInput, rows: Rows, run: ModelRun): void {
  const { snap, rules } = input;
  for (const c of poolCategories(input)) {
    const allowed: number[] = [];
    for (const i of snap.popularByCategory[c]) {
      if (allowed.length >= (run.dense ? FRONTIER_SCAN : POOL_ITEMS_PER_CATEGORY)) break;
      if (rules.allows(i)) allowed.push(i);
    }
    if (run.dense) {
      const score = (i: number): number => (i < snap.nModelItems ? snap.scratch[i] : Number.NEGATIVE_INFINITY);
      allowed.sort((a, b) => score(b) - score(a) || a - b);
    }
    for (const i of allowed.slice(0, POOL_ITEMS_PER_CATEGORY)) row(rows, snap, i).pool = true;
  }
}

/**
 * Gathers candidates from every source: the model (exact scoring of every item, or its HNSW index for
 * large catalogues), co-visitation with the recent items, trending, new items and, for people with a
 * history, an exploration pool of interests they have not shown. People without a personal state get
 * popular, trending and new items.
 */
export function gatherCandidates(input: GatherInput): CandidateRow[] {
  const rows = rowsFor(input.snap.items.ids.length);
  const personal = input.profile.history.length > 0;
  const run: ModelRun = {};
  const lookalikes = input.lookalikes;
  try {
    if (lookalikes) {
      // The model runs for the shopper's scores of the lookalikes (its own proposals are dropped below).
      if (personal) modelCandidates(input, rows, run);
      for (const [index, similarity] of lookalikes) if (input.rules.allows(index)) row(rows, input.snap, index).lookalike = similarity;
    } else {
      if (personal) {
        modelCandidates(input, rows, run);
        covisitCandidates(input, rows);
      }
      listCandidates(input, rows, personal);
      if (personal && input.explorationCategories > 0) explorationPool(input, rows, run);
    }
    if (input.stateOut) input.stateOut.vector = run.vector ?? null;
  } finally {
    // Back to the prior, so the next request starts from it (also when this one failed half-way).
    const prior = input.snap.model?.sparse?.prior;
    if (prior && run.changed) for (const i of run.changed) input.snap.scratch[i] = prior[i];
    rows.clear();
  }
  const out = rows.list.filter((r) => input.rules.allows(r.index) && (!lookalikes || !Number.isNaN(r.lookalike)));
  // The index scored only its own hits into the scratch: score the other sources' items exactly.
  const ann = input.snap.ann;
  const annVector = run.annVector;
  if (ann && annVector) for (const r of out) if (r.index < input.snap.nModelItems) r.model = ann.index.score(annVector, r.index);
  // Cold items, whichever source proposed them, carry their attribute score (NaN when the model knows none).
  const cold = run.cold;
  if (cold) for (const r of out) if (r.index >= input.snap.nModelItems) r.model = cold.scoreOf(r.index);
  // The scratch scores belong to this request only when the model ran for it.
  if (!personal) for (const r of out) r.model = Number.NaN;
  return out;
}
