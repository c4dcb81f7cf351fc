import { DEFAULT_CONSENT, type Config, type Consent, type EpochMs, type Event, type User } from '../core/index.js';
import { assignArm, type Experiment } from '../experiments/index.js';
import { predictIntent, SESSION_ACTIONS, userInterests, userSegment } from '../interest/index.js';
import type { Decision, Store } from '../store/index.js';
import { describeSegment } from './insight/describe.js';
import type { InsightRuntime } from './insight/runtime.js';
import { itemsOf, userBehaviour } from './insight/store-reads.js';

export interface UserExportOptions {
  store: Store;
  config: Config;
  /** The shop's id, as asked for; the export speaks it and never the stored pseudonym. */
  rawId: string;
  /** The id the store keeps (the HMAC pseudonym with `CURIO_ID_SECRET`), from the same key function as every user route. */
  storedId: string;
  /** The segmentation and intent model: the server's cached ones, or a runtime the CLI builds from the store. */
  insight: InsightRuntime;
  /** Every experiment (the running ones assign arms now). */
  experiments: readonly Experiment[];
}

/** What a user-facing part of the export says when the user refused personalisation: nothing was profiled. */
const NOT_PERSONALISED = { personalization: false as const };

/** A feature that leaves the user out, and the consent that makes it. */
export interface Exclusion {
  feature: string;
  because: 'consent.personalization=false' | 'consent.tracking=false';
  effect: string;
}

/** What refusing personalisation switches off, feature by feature (docs/privacy.md, "Consent"). */
const PERSONALISATION_EXCLUSIONS: ReadonlyArray<Omit<Exclusion, 'because'>> = [
  { feature: 'recommendations', effect: 'non-personalised slates (popular, trending, new); their history is not read' },
  { feature: 'segments', effect: 'not placed in any segment, not in the segment listing or its CSV; counted as excluded' },
  { feature: 'interests', effect: 'no interest profile is computed' },
  { feature: 'intent', effect: 'no purchase-intent prediction is made' },
  { feature: 'experiments', effect: 'assigned to no arm; served the non-personalised slate' },
];

/** What refusing tracking switches off: nothing of theirs is written or cached from the next request on, on every node. */
const TRACKING_EXCLUSIONS: ReadonlyArray<Omit<Exclusion, 'because'>> = [
  { feature: 'events', effect: 'their events are refused at ingestion' },
  { feature: 'impressions', effect: 'no impression, served slate or decision of theirs is logged' },
  { feature: 'feedback', effect: 'the explore/exploit policy learns nothing from them' },
  { feature: 'recent activity', effect: 'nothing they are served is added to what the server keeps of them in memory' },
];

/** The features that leave a user out under this consent, each with the reason and what it means. */
export function consentExclusions(consent: Consent): Exclusion[] {
  return [
    ...(consent.personalization
      ? []
      : PERSONALISATION_EXCLUSIONS.map((e) => ({ ...e, because: 'consent.personalization=false' as const }))),
    ...(consent.tracking ? [] : TRACKING_EXCLUSIONS.map((e) => ({ ...e, because: 'consent.tracking=false' as const }))),
  ];
}

/**
 * Everything Curio stores about a user, and what it derives from it now, as one JSON document (the right
 * of access and portability, docs/privacy.md "Access and export"); null when the store knows nothing of them.
 */
export async function exportUser(options: UserExportOptions) {
  const { store, rawId, storedId, insight } = options;
  const [user, events, decisions] = await Promise.all([store.getUser(storedId), store.userEvents(storedId), store.userDecisions(storedId)]);
  if (!user && events.length === 0 && decisions.length === 0) return null;
  const consent = user?.consent ?? DEFAULT_CONSENT;
  const personalization = consent.personalization;
  const segment = personalization ? await segmentOf(options) : null;
  return {
    userId: rawId,
    exportedAt: new Date(insight.now()).toISOString(),
    pseudonymised: options.config.privacy.idSecret !== null,
    consent: { ...consent, recorded: user !== null },
    excludedFrom: consentExclusions(consent),
    user: user ? asShopUser(user, rawId) : null,
    events: events.map((e): Event => ({ ...e, userId: rawId })),
    decisions: decisions.map((d): Decision => ({ ...d, userId: rawId })),
    interests: personalization ? { personalization: true as const, ...(await interestsOf(options)) } : NOT_PERSONALISED,
    segment: personalization ? { personalization: true as const, ...segment! } : NOT_PERSONALISED,
    intent: personalization ? await intentOf(options) : NOT_PERSONALISED,
    experiments: experimentsOf(options.experiments, storedId, decisions, personalization ? segment!.segment : undefined),
  };
}

export type UserExport = NonNullable<Awaited<ReturnType<typeof exportUser>>>;

const asShopUser = (user: User, rawId: string): User => ({ ...user, id: rawId });

/** The profile `GET /v1/users/:id/interests` serves, with its defaults. */
async function interestsOf({ store, storedId, insight, config }: UserExportOptions) {
  const events = await userBehaviour(store, storedId, { limit: insight.settings.maxUserEvents });
  const items = await itemsOf(store, events);
  const asOf = Math.max(insight.now(), events.at(-1)?.timestamp ?? 0);
  const { userId: _stored, ...profile } = userInterests(storedId, events, items, {
    weights: config.events.weights,
    seed: insight.settings.seed,
    asOf: events.length ? asOf : undefined,
  });
  return profile;
}

/** The user's place in the segmentation (built from the store when none is cached); null with the reason when there is none. */
async function segmentOf({ store, storedId, insight }: UserExportOptions) {
  let build;
  try {
    build = (await insight.segments.get()).value;
  } catch (error) {
    return { segment: null, note: `no segmentation: ${(error as Error).message}` };
  }
  const model = build.segmentation.model;
  const events = await userBehaviour(store, storedId, { limit: insight.settings.maxUserEvents });
  const placed = userSegment(model, storedId, events, await itemsOf(store, events));
  if (!placed) return { segment: null, note: 'no behaviour to place the user by' };
  const { userId: _stored, interests, ...features } = placed.features;
  const names = [...model.categories, 'other'];
  // The segment's figures describe its members: a segment under privacy.minGroupSize is not described, here either.
  const summary = build.published.segments.find((x) => x.segment === placed.segment);
  return {
    segment: placed.segment,
    description: summary ? describeSegment(summary) : 'suppressed: the segment holds fewer users than privacy.minGroupSize',
    features: { ...features, interests: interests.map((share, j) => ({ category: names[j], share })).filter((c) => c.share > 0) },
  };
}

/** Purchase intent, only when the model is already built (the export never trains one); null otherwise. */
async function intentOf({ store, storedId, insight }: UserExportOptions) {
  const model = insight.intent.peek();
  if (!model) return { personalization: true as const, intent: null, note: 'no purchase-intent model is built in this process' };
  const at: EpochMs = insight.now();
  const events = await userBehaviour(store, storedId, { limit: insight.settings.maxUserEvents, types: [...SESSION_ACTIONS], at });
  const { userId: _stored, ...intent } = predictIntent(model, storedId, events, await itemsOf(store, events), at);
  return { personalization: true as const, intent };
}

/**
 * Per experiment: the arm the user is assigned to now when it runs (as the request path assigns it: by stored id,
 * never for a user who refused personalisation, only in the audience's segments) and the arms their logged slates were served in.
 */
function experimentsOf(experiments: readonly Experiment[], storedId: string, decisions: readonly Decision[], segment?: number | null) {
  const served = new Map<string, Set<string>>();
  for (const d of decisions) {
    if (!d.arm) continue;
    const cut = d.arm.lastIndexOf('/');
    const [experiment, arm] = [d.arm.slice(0, cut), d.arm.slice(cut + 1)];
    served.set(experiment, (served.get(experiment) ?? new Set()).add(arm));
  }
  const ids = new Set([...experiments.filter((e) => e.state === 'running').map((e) => e.id), ...served.keys()]);
  return [...ids].map((id) => {
    const e = experiments.find((x) => x.id === id);
    const admitted =
      e?.state === 'running' &&
      segment !== undefined &&
      (!e.audience.segments || (segment !== null && e.audience.segments.includes(segment)));
    return {
      id,
      name: e?.name ?? null,
      state: e?.state ?? null,
      assignedArm: admitted ? assignArm(e.id, storedId, e.arms).id : null,
      audience: e?.audience.users ?? null,
      servedArms: [...(served.get(id) ?? [])].sort(),
    };
  });
}
