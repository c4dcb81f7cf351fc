/**
 * The privacy settings of bench:privacy as pure functions over a leave-one-out split: a retention window
 * (by time, or by the oldest share of each history), the users who turn personalisation off, and the
 * popularity list those users are served, counted as distinct users per item and optionally noised.
 */
import { createRng, shuffle } from '../../src/core/index.js';
import { caseCount, filterEvents, userCount, type SequenceDataset, type Split } from '../../src/data/index.js';
import type { Recommender } from '../../src/models/index.js';
import { noisyTopK, type CountPrivacy, type NoiseSource } from '../../src/privacy/index.js';

export const DAY_MS = 86_400_000;

/** Whether event `pos` (0-based, in time order) of user `u` of the split's `full` dataset survives. */
export type Keep = (u: number, pos: number) => boolean;

/**
 * The split as it would be had the events `keep` refuses been deleted, for training: the training data loses
 * them. Everything the protocol scores against stays as it was (the same cases, targets and histories, so
 * the same items are excluded from the ranking in every setting); what the model may read of a history at
 * serving time is narrowed by {@link seeingRetained}. Each evaluated user's last two events are what is
 * predicted and are never deleted.
 */
export function retainEvents(split: Split, keep: Keep): Split {
  if (split.kind !== 'loo') throw new Error('retainEvents needs a leave-one-out split');
  const kept = heldOutOrKept(split, keep);
  const { full } = split;
  const trainLen = trainingLength(split);
  return { ...split, train: filterEvents(full, (u, pos) => pos < trainLen(u) && kept(u, pos), { keepEmptyUsers: true }) };
}

/**
 * The model as serving would run it after the deletion: a user's state holds only the events that were
 * kept (and the held-out ones before the target, which are never deleted).
 */
export function seeingRetained(model: Recommender, split: Split, keep: Keep): Recommender {
  const kept = heldOutOrKept(split, keep);
  return {
    id: model.id,
    params: model.params,
    nItems: model.nItems,
    toArtifact: () => model.toArtifact(),
    scoreAll(state, out) {
      const u = state.user;
      if (u === undefined) return model.scoreAll(state, out);
      const positions = Array.from(state.items, (_, pos) => pos).filter((pos) => kept(u, pos));
      const { items, types, timestampsMs } = state;
      return model.scoreAll(
        {
          user: u,
          items: Int32Array.from(positions, (pos) => items[pos]),
          types: types && Uint8Array.from(positions, (pos) => types[pos]),
          timestampsMs: timestampsMs && Float64Array.from(positions, (pos) => timestampsMs[pos]),
        },
        out,
      );
    },
  };
}

function heldOutOrKept(split: Split, keep: Keep): Keep {
  const trainLen = trainingLength(split);
  return (u, pos) => pos >= trainLen(u) || keep(u, pos);
}

/** The events of each training history: all of a user's events but the two held out when they are evaluated. */
function trainingLength(split: Split): (u: number) => number {
  const evaluated = new Uint8Array(userCount(split.full));
  for (const u of split.test.users) evaluated[u] = 1;
  return (u) => split.full.offsets[u + 1] - split.full.offsets[u] - (evaluated[u] === 1 ? 2 : 0);
}

/**
 * Retention by time: events older than `days` before `nowMs` (the moment retention runs and the model is
 * trained) are gone.
 */
export function withinDays(full: SequenceDataset, days: number, nowMs: number): Keep {
  const cutoff = nowMs - days * DAY_MS;
  return (u, pos) => full.timestampsMs[full.offsets[u] + pos] >= cutoff;
}

/** Retention by order, for data without times: each user keeps the newest `share` (rounded) of their training history. */
export function newestShare(split: Split, share: number): Keep {
  if (!(share >= 0 && share <= 1)) throw new Error(`share must be in [0, 1], got ${share}`);
  const trainLen = trainingLength(split);
  return (u, pos) => pos >= trainLen(u) - Math.round(share * trainLen(u));
}

/** The share of training events a `keep` retains (what a retention window costs in data). */
export function retainedShare(split: Split, keep: Keep): number {
  const trainLen = trainingLength(split);
  let all = 0;
  let kept = 0;
  for (let u = 0; u < userCount(split.full); u++) {
    for (let pos = 0; pos < trainLen(u); pos++) {
      all++;
      if (keep(u, pos)) kept++;
    }
  }
  return all === 0 ? 1 : kept / all;
}

/**
 * The users who turned personalisation off: the first round(share × users) of a seeded permutation, so
 * with one seed a larger share holds every user of a smaller one and curves do not wobble with the draw.
 */
export function optedOutUsers(nUsers: number, share: number, seed: number): Uint8Array {
  if (!(share >= 0 && share <= 1)) throw new Error(`share must be in [0, 1], got ${share}`);
  const order = shuffle(
    Array.from({ length: nUsers }, (_, u) => u),
    createRng(seed),
  );
  const out = new Uint8Array(nUsers);
  for (const u of order.slice(0, Math.round(share * nUsers))) out[u] = 1;
  return out;
}

/** The split without the opted-out users' events in training (their cases stay, to be scored separately). */
export function withoutUsers(split: Split, users: Uint8Array): Split {
  return { ...split, train: filterEvents(split.train, (u) => users[u] === 0, { keepEmptyUsers: true }) };
}

/** The split's test cases restricted to users `pick` accepts (validation untouched). */
export function testCasesOf(split: Split, pick: (u: number) => boolean): Split {
  const { test } = split;
  const chosen = Array.from({ length: caseCount(test) }, (_, c) => c).filter((c) => pick(test.users[c]));
  const targets: number[] = [];
  const offsets = [0];
  for (const c of chosen) {
    for (let k = test.targetOffsets[c]; k < test.targetOffsets[c + 1]; k++) targets.push(test.targets[k]);
    offsets.push(targets.length);
  }
  return {
    ...split,
    test: {
      users: Int32Array.from(chosen, (c) => test.users[c]),
      historyLengths: Int32Array.from(chosen, (c) => test.historyLengths[c]),
      targetOffsets: Int32Array.from(offsets),
      targets: Int32Array.from(targets),
    },
  };
}

/**
 * Distinct users per item in the training data. With `maxItemsPerUser`, each user counts towards at most
 * that many items (their newest distinct ones), so one user changes the whole list by at most that much:
 * the L1 sensitivity the Laplace mechanism is calibrated to.
 */
export function distinctUserCounts(train: SequenceDataset, maxItemsPerUser = Number.POSITIVE_INFINITY): Float64Array {
  const counts = new Float64Array(train.items.length);
  const seen = new Int32Array(train.items.length).fill(-1);
  for (let u = 0; u < userCount(train); u++) {
    let taken = 0;
    for (let e = train.offsets[u + 1] - 1; e >= train.offsets[u] && taken < maxItemsPerUser; e--) {
      const i = train.itemIdx[e];
      if (seen[i] === u) continue;
      seen[i] = u;
      counts[i]++;
      taken++;
    }
  }
  return counts;
}

/**
 * The non-personalised list as a recommender: items ranked by their (noised) counts with `noisyTopK` over
 * the whole catalogue; an item's score is its place from the bottom, so the ranking is the published one.
 */
export function popularityList(counts: Float64Array, privacy: CountPrivacy, source?: NoiseSource): Recommender {
  const nItems = counts.length;
  const ranked = noisyTopK(
    Array.from(counts, (count, item) => ({ item, count })),
    nItems,
    privacy,
    source,
  );
  const scores = new Float32Array(nItems);
  ranked.forEach((entry, place) => (scores[entry.item] = nItems - place));
  return {
    id: 'popularity-list',
    params: {},
    nItems,
    scoreAll(_state, out = new Float32Array(nItems)) {
      out.set(scores);
      return out;
    },
    toArtifact() {
      throw new Error('the bench popularity list is not saved');
    },
  };
}
