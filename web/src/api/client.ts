// The console's one door to the Curio API, over the typed client of clients/js (@curio/client): its paths and
// parameters are checked against the server's OpenAPI document at build time, and it retries 429 and 5xx.
// Pages call these methods and nothing else, and read the narrow shapes of ./types, which the compiler checks
// against the generated response types.
import { createCurioClient } from '@curio/client';
import type {
  Activity,
  ConsentState,
  ErasureReceipt,
  Experiment,
  ExperimentResults,
  Exploration,
  Interests,
  InterestUncertainty,
  Intent,
  Item,
  ItemList,
  Models,
  ModelVersion,
  OpeReport,
  Retention,
  Segments,
  Slate,
  Status,
  TagPrediction,
  UserEvent,
  UserRecord,
  UserSegment,
  Whoami,
} from './types';

/** A refused or failed request: the HTTP status and the server's problem message (docs/api.md, "Errors"). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CurioApi {
  whoami(): Promise<Whoami>;
  activity(minutes: number): Promise<Activity>;
  /** The Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** A page of the catalogue in id order; with `q`, of the items matching those words (server-side search). */
  items(after: string | null, limit: number, q?: string): Promise<{ items: Item[]; next: string | null }>;
  item(id: string): Promise<Item>;
  /** Sets an item's tags, and the tags rejected for it (kept in `attributes.rejectedTags`, so the tagger does not propose them again). */
  patchItemTags(id: string, tags: string[], rejected?: { attributes: Record<string, unknown>; tags: string[] }): Promise<Item>;
  similar(id: string, n: number): Promise<ItemList>;
  boughtTogether(id: string, n: number): Promise<ItemList>;
  predictTags(ids: string[]): Promise<TagPrediction[]>;
  consent(id: string): Promise<ConsentState>;
  putConsent(id: string, consent: UserRecord['consent']): Promise<UserRecord>;
  userEvents(id: string, limit: number): Promise<UserEvent[]>;
  recommendations(id: string, n: number, explore: number | null): Promise<Slate>;
  /** The profile now, or as of `at` (epoch ms: events after it are ignored). */
  interests(id: string, at?: number): Promise<Interests>;
  /** The serving policy's belief in each interest: appeal and uncertainty, with the interest's stage. */
  uncertainty(id: string): Promise<InterestUncertainty>;
  userSegment(id: string): Promise<UserSegment>;
  intent(id: string): Promise<Intent>;
  segments(): Promise<Segments>;
  segmentsCsv(): Promise<string>;
  status(): Promise<Status>;
  exploration(hours: number): Promise<Exploration>;
  ope(policy: string, params: Record<string, unknown>, exploreWeight: number): Promise<OpeReport>;
  models(): Promise<Models>;
  promote(id: string): Promise<ModelVersion>;
  rollback(track?: ModelVersion['track']): Promise<{ from: string | null; to: ModelVersion }>;
  experiments(): Promise<Experiment[]>;
  experimentResults(id: string): Promise<ExperimentResults>;
  exportUser(id: string): Promise<unknown>;
  eraseUser(id: string): Promise<{ erasureId: string }>;
  erasure(id: string): Promise<ErasureReceipt>;
  retention(): Promise<Retention>;
}

/** What openapi-fetch answers: the parsed body on success (typed from the OpenAPI document), the problem document otherwise. */
interface Answer<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * The body of a successful answer, or an ApiError with the server's message. Its type is the generated
 * one, so each method's narrow shape from ./types is checked against the server's document at build time.
 */
function unwrap<D>(answer: Answer<D>): D {
  const { data, error, response } = answer;
  if (response.ok) return data as D;
  const message = (error as { error?: { message?: string } } | undefined)?.error?.message;
  throw new ApiError(response.status, message ?? `${response.url}: HTTP ${response.status}`);
}

/** The API at `baseUrl` (this page's origin by default), every request carrying `key`. */
export function createApi(key: string, baseUrl = window.location.origin): CurioApi {
  const { api } = createCurioClient({ baseUrl, apiKey: key });
  const id = (value: string) => ({ path: { id: value } });
  const text = { parseAs: 'text' as const };

  return {
    whoami: async () => unwrap(await api.GET('/v1/auth/whoami')),
    activity: async (minutes) => unwrap(await api.GET('/v1/stats/activity', { params: { query: { minutes } } })),
    metrics: async () => unwrap(await api.GET('/metrics', text)),
    items: async (after, limit, q) =>
      unwrap(await api.GET('/v1/items', { params: { query: { limit, ...(after ? { after } : {}), ...(q ? { q } : {}) } } })),
    item: async (itemId) => unwrap(await api.GET('/v1/items/{id}', { params: id(itemId) })),
    patchItemTags: async (itemId, tags, rejected) =>
      unwrap(
        await api.PATCH('/v1/items/{id}', {
          params: id(itemId),
          body: { tags, ...(rejected ? { attributes: { ...rejected.attributes, rejectedTags: rejected.tags } } : {}) },
        }),
      ),
    similar: async (itemId, n) => unwrap(await api.GET('/v1/items/{id}/similar', { params: { ...id(itemId), query: { n } } })),
    boughtTogether: async (itemId, n) =>
      unwrap(await api.GET('/v1/items/{id}/bought-together', { params: { ...id(itemId), query: { n } } })),
    predictTags: async (itemIds) => unwrap(await api.POST('/v1/items/tag', { body: { itemIds, items: [] } })).itemIds,
    consent: async (userId) => unwrap(await api.GET('/v1/users/{id}/consent', { params: id(userId) })),
    putConsent: async (userId, consent) => unwrap(await api.PUT('/v1/users/{id}', { params: id(userId), body: { consent } })),
    userEvents: async (userId, limit) =>
      unwrap(await api.GET('/v1/users/{id}/events', { params: { ...id(userId), query: { limit } } })).events,
    recommendations: async (userId, n, explore) =>
      unwrap(
        await api.GET('/v1/users/{id}/recommendations', {
          params: { ...id(userId), query: { n, ...(explore === null ? {} : { explore }) } },
        }),
      ),
    interests: async (userId, at) =>
      unwrap(await api.GET('/v1/users/{id}/interests', { params: { ...id(userId), query: at === undefined ? {} : { at } } })),
    uncertainty: async (userId) => unwrap(await api.GET('/v1/users/{id}/interests/uncertainty', { params: id(userId) })),
    userSegment: async (userId) => unwrap(await api.GET('/v1/users/{id}/segment', { params: id(userId) })),
    intent: async (userId) => unwrap(await api.GET('/v1/users/{id}/intent', { params: id(userId) })),
    segments: async () => unwrap(await api.GET('/v1/segments')),
    segmentsCsv: async () => unwrap(await api.GET('/v1/segments', { params: { query: { format: 'csv' } }, ...text })),
    status: async () => unwrap(await api.GET('/v1/recommendations/status')),
    exploration: async (hours) => unwrap(await api.GET('/v1/admin/exploration', { params: { query: { hours } } })),
    ope: async (policy, params, exploreWeight) => unwrap(await api.POST('/v1/admin/ope', { body: { policy, params, exploreWeight } })),
    models: async () => unwrap(await api.GET('/v1/admin/models')),
    promote: async (versionId) => unwrap(await api.POST('/v1/admin/models/{id}/promote', { params: id(versionId) })),
    rollback: async (track = 'recommendations') => unwrap(await api.POST('/v1/admin/models/rollback', { params: { query: { track } } })),
    experiments: async () => unwrap(await api.GET('/v1/admin/experiments')).experiments,
    experimentResults: async (experimentId) => unwrap(await api.GET('/v1/admin/experiments/{id}/results', { params: id(experimentId) })),
    exportUser: async (userId) => unwrap(await api.GET('/v1/users/{id}/export', { params: id(userId) })),
    eraseUser: async (userId) => unwrap(await api.DELETE('/v1/users/{id}', { params: id(userId) })),
    erasure: async (erasureId) => unwrap(await api.GET('/v1/admin/erasures/{id}', { params: id(erasureId) })),
    retention: async () => unwrap(await api.GET('/v1/admin/retention')),
  };
}
