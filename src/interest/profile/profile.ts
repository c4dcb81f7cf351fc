import { DEFAULT_EVENT_WEIGHTS, type EpochMs, type Event, type EventWeights, type Item } from '../../core/index.js';
import { jensenShannon, positiveShares, round } from '../math/distribution.js';
import { emptyFacets, parseProfileState, type ProfileState } from './state.js';
import {
  DAY_MS,
  decayFactor,
  DEFAULT_PROFILE_OPTIONS,
  INTEREST_DIMENSIONS,
  type Affinity,
  type Drift,
  type InterestDimension,
  type InterestProfileOptions,
  type InterestSnapshot,
  type NewInterest,
  type ResolvedProfileOptions,
} from './types.js';

/** Internal facets: the three public ones plus `leaf` (full category path), which drift is measured on. */
type Facet = InterestDimension | 'leaf';
type Facets = Record<Facet, Map<string, number>>;
const FACETS: readonly Facet[] = ['category', 'tag', 'brand', 'leaf'];

const newFacets = (): Facets => ({ category: new Map(), tag: new Map(), brand: new Map(), leaf: new Map() });

/** The keys an item contributes to each facet. */
export function itemKeys(item: Item): Record<Facet, string[]> {
  const prefixes = item.categoryPath.map((_, i) => item.categoryPath.slice(0, i + 1).join(' > '));
  return {
    category: prefixes,
    leaf: prefixes.length ? [prefixes[prefixes.length - 1]] : [],
    tag: [...new Set(item.tags)],
    brand: item.brand ? [item.brand] : [],
  };
}

/**
 * A user's interests, updated one event at a time. Two exponentially decayed copies are kept — long-term
 * (`halfLifeDays`) and recent (`recentHalfLifeDays`) — with scores stored as of `referenceAt`, the newest
 * event time; a late event is added already decayed, so order of arrival does not matter.
 */
export class InterestProfile {
  readonly userId: string;
  readonly options: ResolvedProfileOptions;
  readonly weights: EventWeights;
  private referenceAt: EpochMs | null = null;
  private eventCount = 0;
  private long = newFacets();
  private recent = newFacets();
  private items = new Map<string, number>();
  private firstSeen = new Map<string, EpochMs>();

  constructor(userId: string, options: InterestProfileOptions = {}, weights: EventWeights = DEFAULT_EVENT_WEIGHTS) {
    this.userId = userId;
    this.options = { ...DEFAULT_PROFILE_OPTIONS, ...options };
    this.weights = weights;
  }

  /** The number of events applied (including ones that carry no weight). */
  get events(): number {
    return this.eventCount;
  }

  /** Time of the newest event applied, or null. */
  get asOf(): EpochMs | null {
    return this.referenceAt;
  }

  /** Adds one event; `item` is its item's record, or null when the item is unknown (only the item weight moves). */
  apply(event: Event, item: Item | null): this {
    this.eventCount++;
    const weight = this.weights[event.type];
    if (event.itemId === null || weight === 0) {
      this.advanceTo(event.timestamp);
      return this;
    }
    this.advanceTo(event.timestamp);
    const ref = this.referenceAt as number;
    const wLong = weight * decayFactor(ref - event.timestamp, this.options.halfLifeDays);
    const wRecent = weight * decayFactor(ref - event.timestamp, this.options.recentHalfLifeDays);
    this.items.set(event.itemId, (this.items.get(event.itemId) ?? 0) + wLong);
    if (!item) return this;
    const keys = itemKeys(item);
    for (const facet of FACETS) {
      for (const key of keys[facet]) {
        this.long[facet].set(key, (this.long[facet].get(key) ?? 0) + wLong);
        this.recent[facet].set(key, (this.recent[facet].get(key) ?? 0) + wRecent);
        if (weight > 0 && facet !== 'leaf') this.noteFirstSeen(`${facet}:${key}`, event.timestamp);
      }
    }
    return this;
  }

  private noteFirstSeen(key: string, at: EpochMs): void {
    const prev = this.firstSeen.get(key);
    if (prev === undefined || at < prev) this.firstSeen.set(key, at);
  }

  /** Moves the reference time forward, decaying every stored score. */
  private advanceTo(at: EpochMs): void {
    if (this.referenceAt === null) {
      this.referenceAt = at;
      return;
    }
    if (at <= this.referenceAt) return;
    const elapsed = at - this.referenceAt;
    scale(this.long, decayFactor(elapsed, this.options.halfLifeDays));
    scale(this.recent, decayFactor(elapsed, this.options.recentHalfLifeDays));
    const f = decayFactor(elapsed, this.options.halfLifeDays);
    for (const [k, v] of this.items) this.items.set(k, v * f);
    this.referenceAt = at;
  }

  /** Long-term item weights (decayed), for multi-interest clustering. */
  itemWeights(): Map<string, number> {
    return new Map(this.items);
  }

  /** Affinities and drift as of `at` (default: the newest event). Scores decay to `at`; shares do not change. */
  snapshot(at?: EpochMs): InterestSnapshot {
    const asOf = at ?? this.referenceAt;
    const elapsed = asOf !== null && this.referenceAt !== null ? Math.max(0, asOf - this.referenceAt) : 0;
    const fLong = decayFactor(elapsed, this.options.halfLifeDays);
    const fRecent = decayFactor(elapsed, this.options.recentHalfLifeDays);
    const top = this.options.topAffinities;
    return {
      userId: this.userId,
      asOf,
      events: this.eventCount,
      categories: affinities(this.long.category, fLong, top),
      tags: affinities(this.long.tag, fLong, top),
      brands: affinities(this.long.brand, fLong, top),
      recent: {
        categories: affinities(this.recent.category, fRecent, top),
        tags: affinities(this.recent.tag, fRecent, top),
        brands: affinities(this.recent.brand, fRecent, top),
      },
      drift: this.drift(asOf),
    };
  }

  /** Jensen–Shannon divergence between recent and long-term leaf categories, tags and brands, and new interests. */
  drift(asOf: EpochMs | null = this.referenceAt): Drift {
    const flat = (f: Facets): Map<string, number> => {
      const m = new Map<string, number>();
      for (const facet of ['leaf', 'tag', 'brand'] as const) for (const [k, v] of f[facet]) m.set(`${facet}:${k}`, v);
      return m;
    };
    const score = jensenShannon(positiveShares(flat(this.recent)), positiveShares(flat(this.long)));
    return { score: round(score), newInterests: asOf === null ? [] : this.newInterests(asOf) };
  }

  private newInterests(asOf: EpochMs): NewInterest[] {
    const since = asOf - this.options.recentWindowDays * DAY_MS;
    const out: NewInterest[] = [];
    for (const dimension of INTEREST_DIMENSIONS) {
      for (const [key, share] of positiveShares(this.recent[dimension])) {
        const firstSeenAt = this.firstSeen.get(`${dimension}:${key}`);
        if (firstSeenAt === undefined || firstSeenAt < since || share < this.options.minNewShare) continue;
        out.push({ dimension, key, share: round(share), firstSeenAt });
      }
    }
    return out.sort((a, b) => b.share - a.share);
  }

  /** The serialisable state; `InterestProfile.fromJSON` restores it exactly. */
  toJSON(): ProfileState {
    const rec = (m: Map<string, number>): Record<string, number> => Object.fromEntries(m);
    const facets = (f: Facets): ProfileState['long'] => ({
      category: rec(f.category),
      tag: rec(f.tag),
      brand: rec(f.brand),
      leaf: rec(f.leaf),
    });
    return {
      version: 1,
      userId: this.userId,
      options: { ...this.options },
      weights: { ...this.weights },
      referenceAt: this.referenceAt,
      events: this.eventCount,
      long: facets(this.long),
      recent: facets(this.recent),
      items: rec(this.items),
      firstSeenAt: rec(this.firstSeen),
    };
  }

  /** Restores a profile from `toJSON()` output (validated, so it may come from outside). */
  static fromJSON(raw: unknown): InterestProfile {
    const s = parseProfileState(raw);
    const p = new InterestProfile(s.userId, s.options, s.weights);
    const load = (f: ProfileState['long'] = emptyFacets()): Facets => {
      const out = newFacets();
      for (const facet of FACETS) out[facet] = new Map(Object.entries(f[facet]));
      return out;
    };
    p.referenceAt = s.referenceAt;
    p.eventCount = s.events;
    p.long = load(s.long);
    p.recent = load(s.recent);
    p.items = new Map(Object.entries(s.items));
    p.firstSeen = new Map(Object.entries(s.firstSeenAt));
    return p;
  }
}

function scale(f: Facets, factor: number): void {
  for (const facet of FACETS) for (const [k, v] of f[facet]) f[facet].set(k, v * factor);
}

function affinities(scores: Map<string, number>, factor: number, top: number): Affinity[] {
  const shares = positiveShares(scores);
  return [...scores]
    .map(([key, score]) => ({ key, score: round(score * factor), share: round(shares.get(key) ?? 0) }))
    .sort((a, b) => b.score - a.score || a.key.localeCompare(b.key))
    .slice(0, top);
}
