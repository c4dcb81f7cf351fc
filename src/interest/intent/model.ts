import { CurioError, type EpochMs, type Event, type Item } from '../../core/index.js';
import { fitLogisticNewton, predictStandardised, type StandardisedLogistic } from '../../models/index.js';
import type { Store } from '../../store/index.js';
import { round } from '../math/distribution.js';
import { DEFAULT_SESSION_GAP_MINUTES, sessionise } from '../math/sessions.js';
import { intentExamples, type IntentExampleOptions, type IntentExamples } from './examples.js';
import { addSession, emptyHistory, INTENT_FEATURES, intentFeatures, SESSION_ACTIONS } from './features.js';
import { binaryReport, type BinaryReport } from './metrics.js';

/** A fitted purchase-intent model (JSON-serialisable). */
export interface IntentModel {
  version: 1;
  features: string[];
  sessionGapMinutes: number;
  nextEvents: number;
  inSession: StandardisedLogistic;
  withinNextEvents: StandardisedLogistic;
  /** What it was fitted on: sessions (examples), distinct users, and the base rates of both labels. */
  trainedOn: { examples: number; users: number; inSessionRate: number; nextEventsRate: number };
}

export interface IntentOptions extends IntentExampleOptions {
  /** L2 penalty on standardised weights. Default 1. */
  l2?: number;
}

function fit(ex: IntentExamples, keep: (i: number) => boolean, options: IntentOptions): IntentModel {
  const idx = ex.x.map((_, i) => i).filter(keep);
  if (idx.length === 0) throw new CurioError('BAD_INPUT', 'purchase intent needs at least one session with an action');
  const rows = idx.map((i) => ex.x[i]);
  const yIn = idx.map((i) => ex.inSession[i]);
  const yNext = idx.map((i) => ex.nextEvents[i]);
  const mean = (y: number[]) => y.reduce((a, b) => a + b, 0) / y.length;
  return {
    version: 1,
    features: [...INTENT_FEATURES],
    sessionGapMinutes: options.sessionGapMinutes ?? DEFAULT_SESSION_GAP_MINUTES,
    nextEvents: options.nextEvents ?? 5,
    inSession: fitLogisticNewton(rows, yIn, { l2: options.l2 }),
    withinNextEvents: fitLogisticNewton(rows, yNext, { l2: options.l2 }),
    trainedOn: {
      examples: idx.length,
      users: new Set(idx.map((i) => ex.userIds[i])).size,
      inSessionRate: round(mean(yIn)),
      nextEventsRate: round(mean(yNext)),
    },
  };
}

/** Fits both intent heads (this session; the next N events) on every session in `events`. */
export function trainIntentModel(events: Iterable<Event>, items: ReadonlyMap<string, Item>, options: IntentOptions = {}): IntentModel {
  return fit(intentExamples(events, items, options), () => true, options);
}

export interface IntentPrediction {
  userId: string;
  /** Probability of a purchase later in the current session. */
  inSession: number;
  withinNextEvents: { events: number; probability: number };
  /** False when the last action is older than the session gap: the figures are for a session starting now. */
  sessionActive: boolean;
  sessionEvents: number;
  features: Record<string, number>;
}

/** Purchase intent from a user's events (any order); no events at all gives the model's cold-start estimate. */
export function predictIntent(
  model: IntentModel,
  userId: string,
  events: readonly Event[],
  items: ReadonlyMap<string, Item>,
  now?: EpochMs,
): IntentPrediction {
  const actions = events.filter((e) => e.userId === userId && SESSION_ACTIONS.has(e.type)).sort((a, b) => a.timestamp - b.timestamp);
  const at = now ?? (actions.length ? actions[actions.length - 1].timestamp : Date.now());
  const sessions = sessionise(actions, model.sessionGapMinutes);
  const last = sessions[sessions.length - 1];
  const active = !!last && at - last[last.length - 1].timestamp <= model.sessionGapMinutes * 60_000;
  const history = emptyHistory();
  for (const s of active ? sessions.slice(0, -1) : sessions) addSession(history, s);
  const current = active ? last : [];
  const x = intentFeatures(history, current, items, at);
  return {
    userId,
    inSession: round(predictStandardised(model.inSession, x)),
    withinNextEvents: { events: model.nextEvents, probability: round(predictStandardised(model.withinNextEvents, x)) },
    sessionActive: active,
    sessionEvents: current.length,
    features: Object.fromEntries(model.features.map((f, j) => [f, round(x[j])])),
  };
}

/** `predictIntent` reading the user's recent events and their items from a store. */
export async function intentFromStore(
  store: Store,
  model: IntentModel,
  userId: string,
  options: { now?: EpochMs; maxEvents?: number } = {},
): Promise<IntentPrediction> {
  const events = await store.userEvents(userId, {
    limit: options.maxEvents ?? 2000,
    before: options.now === undefined ? undefined : options.now + 1,
  });
  const ids = [...new Set(events.map((e) => e.itemId).filter((id): id is string => id !== null))];
  const items = new Map((await store.getItems(ids)).map((i) => [i.id, i] as const));
  return predictIntent(model, userId, events, items, options.now);
}

export interface IntentEvaluation {
  cutoff: EpochMs;
  trainExamples: number;
  testExamples: number;
  inSession: BinaryReport;
  withinNextEvents: BinaryReport & { events: number };
  model: IntentModel;
}

/**
 * Time split without leaks: trains on examples whose labels are settled before `cutoff` (default: the
 * `trainFraction` quantile of example times) and tests on examples that happen at or after it.
 */
export function evaluateIntent(
  events: Iterable<Event>,
  items: ReadonlyMap<string, Item>,
  options: IntentOptions & { cutoff?: EpochMs; trainFraction?: number } = {},
): IntentEvaluation {
  const ex = intentExamples(events, items, options);
  const sorted = Float64Array.from(ex.time).sort();
  const cutoff = options.cutoff ?? sorted[Math.floor(sorted.length * (options.trainFraction ?? 0.7))];
  const model = fit(ex, (i) => ex.horizon[i] < cutoff, options);
  const test = ex.x.map((_, i) => i).filter((i) => ex.time[i] >= cutoff);
  const report = (head: StandardisedLogistic, labels: Uint8Array, prior: number): BinaryReport =>
    binaryReport(
      test.map((i) => predictStandardised(head, ex.x[i])),
      test.map((i) => labels[i]),
      prior,
    );
  return {
    cutoff,
    trainExamples: model.trainedOn.examples,
    testExamples: test.length,
    inSession: report(model.inSession, ex.inSession, model.trainedOn.inSessionRate),
    withinNextEvents: { events: model.nextEvents, ...report(model.withinNextEvents, ex.nextEvents, model.trainedOn.nextEventsRate) },
    model,
  };
}
