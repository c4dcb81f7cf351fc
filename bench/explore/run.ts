/**
 * One policy over one shop for every round: each shopper asks for a slate once a simulated day; the
 * candidates are the model's best, the newest arrivals and an exploration pool; the shop's response model
 * answers; clicks, carts and purchases go into the shopper's history (so the large model's user vector
 * moves at once) and their interest profile, and every shown slot goes back to the policy.
 */
import { createRng, EVENT_TYPES, type Event, type EventType, type Rng } from '../../src/core/index.js';
import {
  AppealPosterior,
  categoryEmbedding,
  createPolicy,
  evidenceUncertainty,
  interestFrontier,
  leafShares,
  ShopperBudget,
  standardScores,
  type Candidate,
  type Policy,
} from '../../src/explore/index.js';
import { examination } from '../../src/eval/simulator/appeal.js';
import { InterestProfile } from '../../src/interest/index.js';
import { DAY_MS, type BenchShop } from './setup.js';

export const SLATE = 10;
const TOP_N = 100;
const NEWEST = 10;
const POOL_CATEGORIES = 6;
const POOL_ITEMS = 4;
const MAX_LEN = 50;

export interface RunSpec {
  /** Label in the results, e.g. "neural-thompson" or "neural-thompson/random-pool". */
  name: string;
  policy: string;
  params: Record<string, unknown>;
  weight: number;
  /** Where exploration candidates come from: random unseen categories (today's pool) or the interest frontier. */
  pool: 'random' | 'frontier';
  /** A per-shopper explore weight within the shop's budget (ShopperBudget). */
  adaptive: boolean;
  /** Off-policy cross-check: these non-learning policies' values estimated from this run's logs. */
  opeTargets?: Array<{ name: string; policy: string; params: Record<string, unknown>; weight: number }>;
  /** Record the posterior's predictions against the simulator's truth. */
  calibration?: boolean;
}

export interface OpeLog {
  target: string;
  /** Per logged impression: reward, logging propensity, the target's probability of the logged (slot, item). */
  rounds: Array<{ reward: number; behaviorPropensity: number; evalProbability: number }>;
  /** Exact expected clicks per impression of the target on the logged requests (the simulator's click model). */
  truth: number;
}

export interface CalibrationRow {
  /** Predicted click probability and its sd (delta method), from the posterior before the outcome. */
  predicted: number;
  sd: number;
  /**
   * The simulator's click probability of the item for this shopper as the posterior defines its estimate: in
   * the first slot with position offsets, else averaged over the slate's positions.
   */
  truth: number;
  /** Whether the shopper clicked it in this slate. */
  outcome: 0 | 1;
  /** The posterior's click probability at the slot it was shown in (position offset included), and the truth's. */
  predictedAtSlot: number;
  truthAtSlot: number;
  /** Who saw it, what, when and where: repeated showings of a pair make the misfit observable. */
  user: number;
  item: string;
  round: number;
  position: number;
}

export interface RunResult {
  name: string;
  policy: string;
  weight: number;
  pool: RunSpec['pool'];
  adaptive: boolean;
  purchases: number;
  clicks: number;
  impressions: number;
  ctr: number;
  ctrFirstRounds: number;
  purchasesFirstRounds: number;
  purchasesLastRounds: number;
  /** Share of the interests shoppers took up during the rounds that they clicked into. */
  newInterestDiscovery: number;
  /** Share of the catalogue on sale at the end that was shown at least once. */
  coverage: number;
  /** Share of impressions on items that arrived during the rounds. */
  arrivalShare: number;
  purchasesByRound: number[];
  meanWeight: number;
  seconds: number;
  msPerRequest: number;
  ope?: OpeLog[];
  calibration?: CalibrationRow[];
}

/** The interests each shopper holds during the rounds, sampled every few days. */
export function roundInterests(b: BenchShop): Array<Set<string>> {
  return b.shop.users.map((u) => {
    const set = new Set<string>();
    for (let r = 0; r < b.shape.rounds; r += 3) {
      for (const i of b.shop.trueInterests(u.id, b.trainEnd + r * DAY_MS)) if (i.weight > 0.05) set.add(i.categoryPath.join(' > '));
    }
    return set;
  });
}

const TYPE_INDEX = new Map(EVENT_TYPES.map((t, i) => [t, i]));

interface ShopperState {
  history: { items: number[]; types: number[]; times: number[] };
  profile: InterestProfile;
  vector: Float32Array | null;
  scores: Float32Array | null;
  frontier: string[] | null;
  drift: number | null;
  purchased: Set<number>;
  historyCategories: Set<string>;
  clickedCategories: Set<string>;
}

function seedOf(...parts: number[]): number {
  let h = 2166136261;
  for (const p of parts) h = Math.imul(h ^ (p >>> 0), 16777619) ^ (h >>> 13);
  return h >>> 0;
}

export function runPolicy(b: BenchShop, spec: RunSpec, interests: Array<Set<string>>): RunResult {
  const started = performance.now();
  const { shop, shape, category, arrivalRound, trainCount, vectors, dim, model, modelIndex } = b;
  const nItems = shop.items.length;
  const policy: Policy = createPolicy(spec.policy, spec.params);
  const shadow = spec.calibration
    ? new AppealPosterior({
        baseRate: 0.05,
        scoreSlope: 0.5,
        priorSd: 1,
        noise: 1,
        maxItems: 100_000,
        positions: 20,
        ...(spec.params as object),
      })
    : null;
  const positionAware = (shadow?.params.positions ?? 0) > 1;
  const targets = (spec.opeTargets ?? []).map((t) => ({ ...t, instance: createPolicy(t.policy, t.params) }));
  const opeLogs: OpeLog[] = targets.map((t) => ({ target: t.name, rounds: [], truth: 0 }));
  const opeTruth = targets.map(() => ({ clicks: 0, slots: 0 }));
  const calibration: CalibrationRow[] = [];
  const budget = new ShopperBudget();
  const uncertainty = Float64Array.from(trainCount, (n) => evidenceUncertainty(n));
  const itemsByCategory = new Map<string, number[]>();
  category.forEach((c, i) => itemsByCategory.set(c, [...(itemsByCategory.get(c) ?? []), i]));
  for (const list of itemsByCategory.values()) list.sort((x, y) => trainCount[y] - trainCount[x] || x - y);
  const categories = [...itemsByCategory.keys()];

  const users: ShopperState[] = shop.users.map((u, k) => {
    const profile = new InterestProfile(u.id);
    const historyCategories = new Set<string>();
    for (const e of b.trainingEvents[k]) {
      const i = shop.items[Number(e.itemId?.slice(1)) - 1];
      profile.apply(e, i ?? null);
      if (i) historyCategories.add(i.categoryPath.join(' > '));
    }
    const h = b.histories[k];
    return {
      history: { items: [...h.items], types: [...h.types], times: [...h.times] },
      profile,
      vector: null,
      scores: null,
      frontier: null,
      drift: null,
      purchased: new Set(),
      historyCategories,
      clickedCategories: new Set(),
    };
  });

  const vectorOf = (s: ShopperState): Float32Array | undefined => {
    if (s.history.items.length === 0) return undefined;
    if (!s.vector) {
      const from = Math.max(0, s.history.items.length - MAX_LEN);
      s.vector = model.userVector({
        items: Int32Array.from(s.history.items.slice(from)),
        types: Uint8Array.from(s.history.types.slice(from)),
        timestampsMs: Float64Array.from(s.history.times.slice(from)),
      });
    }
    return s.vector;
  };
  const scoresOf = (s: ShopperState): Float32Array => {
    if (s.scores) return s.scores;
    const out = new Float32Array(nItems);
    const h = vectorOf(s);
    if (h) {
      for (let i = 0; i < nItems; i++) {
        let dot = 0;
        const at = i * dim;
        for (let d = 0; d < dim; d++) dot += h[d] * vectors[at + d];
        out[i] = dot;
      }
    } else {
      for (let i = 0; i < nItems; i++) out[i] = Math.log1p(trainCount[i]);
    }
    return (s.scores = out);
  };
  const frontierOf = (s: ShopperState): string[] => {
    if (!s.frontier) {
      const snap = s.profile.snapshot();
      const shares = { long: leafShares(snap.categories), recent: leafShares(snap.recent.categories) };
      s.frontier = interestFrontier({ shares, cooccurrence: b.cooccurrence, count: POOL_CATEGORIES }).map((c) => c.key);
    }
    return s.frontier;
  };

  const byRound = {
    clicks: new Array<number>(shape.rounds).fill(0),
    purchases: new Array<number>(shape.rounds).fill(0),
    impressions: new Array<number>(shape.rounds).fill(0),
  };
  const shownItems = new Uint8Array(nItems);
  let arrivalImpressions = 0;
  let weightSum = 0;
  let requests = 0;

  for (let r = 0; r < shape.rounds; r++) {
    const available = (i: number): boolean => arrivalRound[i] <= r;
    const newest: number[] = [];
    for (let i = 0; i < nItems; i++) if (arrivalRound[i] > 0 && arrivalRound[i] <= r) newest.push(i);
    newest.sort((x, y) => arrivalRound[y] - arrivalRound[x] || x - y);
    for (let k = 0; k < shop.users.length; k++) {
      const user = shop.users[k];
      const s = users[k];
      const now = b.trainEnd + r * DAY_MS + ((k * 7919) % DAY_MS);
      const scores = scoresOf(s);
      const picked = new Set<number>();
      const allowed = (i: number): boolean => available(i) && !s.purchased.has(i) && !picked.has(i);
      // The model's best: partial selection of the TOP_N highest scores.
      const top: number[] = [];
      for (let i = 0; i < nItems; i++) {
        if (!allowed(i)) continue;
        if (top.length === TOP_N && scores[i] <= scores[top[TOP_N - 1]]) continue;
        let at = top.length === TOP_N ? TOP_N - 1 : top.length;
        while (at > 0 && scores[i] > scores[top[at - 1]]) {
          top[at] = top[at - 1];
          at--;
        }
        top[at] = i;
      }
      for (const i of top) picked.add(i);
      let taken = 0;
      for (const i of newest) {
        if (taken >= NEWEST) break;
        if (!allowed(i)) continue;
        picked.add(i);
        taken++;
      }
      const policyRng: Rng = createRng(seedOf(b.seed, r, k, 1));
      let poolCategories: string[];
      if (spec.pool === 'frontier') {
        poolCategories = frontierOf(s);
      } else {
        const unseen = categories.filter((c) => !s.historyCategories.has(c));
        for (let j = 0; j < Math.min(POOL_CATEGORIES, unseen.length); j++) {
          const pick = j + policyRng.int(unseen.length - j);
          [unseen[j], unseen[pick]] = [unseen[pick], unseen[j]];
        }
        poolCategories = unseen.slice(0, POOL_CATEGORIES);
      }
      for (const c of poolCategories) {
        const list = (itemsByCategory.get(c) ?? []).filter(allowed);
        // The random pool takes a category's most popular items (as serving does); the frontier its best for this shopper.
        if (spec.pool === 'frontier') list.sort((x, y) => scores[y] - scores[x] || x - y);
        for (const i of list.slice(0, POOL_ITEMS)) picked.add(i);
      }
      const candidateItems = [...picked];
      const candidates: Candidate[] = candidateItems.map((i) => ({
        itemId: shop.items[i].id,
        score: scores[i],
        cluster: category[i],
        uncertainty: uncertainty[i],
        ...(spec.policy === 'linucb' ? { embedding: categoryEmbedding(category[i]) } : {}),
      }));
      const standard = standardScores(candidates);
      const h = vectorOf(s);
      if (spec.adaptive && s.drift === null) s.drift = s.profile.drift().score;
      const weight = spec.adaptive ? budget.weightFor(spec.weight, { events: s.profile.events, drift: s.drift ?? 0 }) : spec.weight;
      weightSum += weight;
      requests++;
      const context = { userId: user.id, k: SLATE, exploreWeight: weight, rng: policyRng, ...(h ? { state: h } : {}) };
      const slate = policy.choose(candidates, context);
      const ids = slate.slots.map((x) => x.itemId);
      const response = shop.respond(user.id, ids, now, createRng(seedOf(b.seed, r, k, 2)));
      const clicked = new Set(response.clicks);
      const slotItem = ids.map((id) => Number(id.slice(1)) - 1);
      const candidateAt = new Map(candidates.map((c, j) => [c.itemId, j]));

      if (shadow && k % 5 === 0) {
        const x = shadow.features(h);
        const meanExam = ids.reduce((sum, _, p) => sum + examination(p, shop.options.positionBiasExponent), 0) / Math.max(1, ids.length);
        ids.forEach((id, position) => {
          const j = candidateAt.get(id) as number;
          const e = shadow.estimate(id, standard[j], x, candidates[j].uncertainty);
          const offset = shadow.positionOffset(position);
          const scale = Math.sqrt(1 + e.variance);
          const z = e.mean / scale;
          const density = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
          const first = shop.clickProbability(user.id, id, 0, now);
          calibration.push({
            predicted: shadow.probability(e),
            sd: (density * Math.sqrt(e.itemVariance)) / scale,
            // What the posterior estimates: with position offsets the appeal in the first slot, without them
            // the click probability wherever its items are shown (the slate's positions on average).
            truth: positionAware ? first : (first / examination(0, shop.options.positionBiasExponent)) * meanExam,
            outcome: clicked.has(id) ? 1 : 0,
            predictedAtSlot: shadow.probability({ ...e, mean: e.mean + offset.mean, variance: e.variance + offset.variance }),
            truthAtSlot: shop.clickProbability(user.id, id, position, now),
            user: k,
            item: id,
            round: r,
            position,
          });
        });
      }
      if (targets.length > 0 && k % 10 === 0) {
        const attraction = new Map(candidates.map((c) => [c.itemId, shop.clickProbability(user.id, c.itemId, 0, now)]));
        targets.forEach((t, ti) => {
          const dist = t.instance.distribution(candidates, {
            ...context,
            exploreWeight: t.weight,
            rng: createRng(seedOf(b.seed, r, k, 3)),
          });
          dist.forEach((slot, p) => {
            const ratio = examination(p, shop.options.positionBiasExponent) / examination(0, shop.options.positionBiasExponent);
            for (const [id, prob] of slot) opeTruth[ti].clicks += prob * (attraction.get(id) ?? 0) * ratio;
            opeTruth[ti].slots++;
          });
          slate.slots.forEach((x) => {
            opeLogs[ti].rounds.push({
              reward: clicked.has(x.itemId) ? 1 : 0,
              behaviorPropensity: x.propensity,
              evalProbability: dist[x.position]?.get(x.itemId) ?? 0,
            });
          });
        });
      }

      ids.forEach((id, p) => {
        const j = candidateAt.get(id) as number;
        const reward = clicked.has(id) ? 1 : 0;
        const feedback = {
          itemId: id,
          cluster: candidates[j].cluster,
          reward,
          position: p,
          score: standard[j],
          uncertainty: candidates[j].uncertainty,
          ...(h ? { state: h } : {}),
          ...(candidates[j].embedding ? { embedding: candidates[j].embedding } : {}),
        };
        policy.update(feedback);
        shadow?.observe({ itemId: id, score: standard[j], state: h, priorSd: candidates[j].uncertainty, position: p, reward });
        shownItems[slotItem[p]] = 1;
        if (arrivalRound[slotItem[p]] > 0) arrivalImpressions++;
      });
      byRound.impressions[r] += ids.length;
      byRound.clicks[r] += response.clicks.length;
      byRound.purchases[r] += response.purchases.length;

      const events: Array<[EventType, string[], number]> = [
        ['click', response.clicks, 1000],
        ['cart', response.carts, 2000],
        ['purchase', response.purchases, 3000],
      ];
      for (const [type, list, offset] of events) {
        list.forEach((id, n) => {
          const i = Number(id.slice(1)) - 1;
          const time = now + offset + n;
          const event: Event = {
            id: `${type}:${r}:${k}:${id}`,
            userId: user.id,
            itemId: id,
            type,
            value: null,
            timestamp: time,
            sessionId: null,
            context: {},
          };
          s.profile.apply(event, shop.items[i]);
          s.historyCategories.add(category[i]);
          if (type === 'click') s.clickedCategories.add(category[i]);
          if (type === 'purchase') s.purchased.add(i);
          if (modelIndex[i] >= 0) {
            s.history.items.push(modelIndex[i]);
            s.history.types.push(TYPE_INDEX.get(type) as number);
            s.history.times.push(time);
          }
          s.vector = null;
          s.scores = null;
          s.frontier = null;
          s.drift = null;
        });
      }
    }
  }

  const sum = (a: number[], from = 0, to = a.length): number => a.slice(from, to).reduce((x, y) => x + y, 0);
  const cut = Math.max(1, Math.round(shape.rounds / 6));
  let discovered = 0;
  let newInterests = 0;
  interests.forEach((set, k) => {
    for (const c of set) {
      if (b.trainedCategories[k].has(c)) continue;
      newInterests++;
      if (users[k].clickedCategories.has(c)) discovered++;
    }
  });
  let onSale = 0;
  let shown = 0;
  for (let i = 0; i < nItems; i++) {
    if (arrivalRound[i] >= shape.rounds) continue;
    onSale++;
    shown += shownItems[i];
  }
  const cumulative = byRound.purchases.map((_, r) => sum(byRound.purchases, 0, r + 1));
  const seconds = (performance.now() - started) / 1000;
  opeLogs.forEach((log, ti) => (log.truth = opeTruth[ti].slots > 0 ? opeTruth[ti].clicks / opeTruth[ti].slots : 0));
  return {
    name: spec.name,
    policy: spec.policy,
    weight: spec.weight,
    pool: spec.pool,
    adaptive: spec.adaptive,
    purchases: sum(byRound.purchases),
    clicks: sum(byRound.clicks),
    impressions: sum(byRound.impressions),
    ctr: sum(byRound.clicks) / sum(byRound.impressions),
    ctrFirstRounds: sum(byRound.clicks, 0, cut) / sum(byRound.impressions, 0, cut),
    purchasesFirstRounds: sum(byRound.purchases, 0, cut),
    purchasesLastRounds: sum(byRound.purchases, shape.rounds - cut),
    newInterestDiscovery: newInterests > 0 ? discovered / newInterests : 0,
    coverage: onSale > 0 ? shown / onSale : 0,
    arrivalShare: arrivalImpressions / Math.max(1, sum(byRound.impressions)),
    purchasesByRound: cumulative,
    meanWeight: weightSum / Math.max(1, requests),
    seconds,
    msPerRequest: (seconds * 1000) / Math.max(1, requests),
    ...(targets.length > 0 ? { ope: opeLogs } : {}),
    ...(shadow ? { calibration } : {}),
  };
}
