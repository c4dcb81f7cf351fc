import { beacon, request } from './send.js';
import { ensureVisitorId, forgetVisitorId, newId, storedVisitorId } from './visitor.js';
import { renderSlate, type RecommendedItem, type Slate, type WidgetOptions } from './widget.js';

export interface InitOptions {
  /** Where the Curio API is, e.g. `https://recs.shop.example` (no trailing `/v1`). */
  endpoint: string;
  /** A publishable key (`curio_pk_…`) whose origins include this page's. */
  key: string;
  /** Send nothing and store nothing until `consent(true)`; events wait in memory (at most `maxQueued`). Default false. */
  consentRequired?: boolean;
  /** Events per beacon, at most; reaching it sends at once. Default 20. */
  maxBatch?: number;
  /** Longest an event waits before it is sent. Default 2,000 ms. */
  flushIntervalMs?: number;
  /** Events kept in memory while waiting for consent; older ones are dropped. Default 100. */
  maxQueued?: number;
}

type EventType = 'view' | 'click' | 'cart' | 'remove_from_cart' | 'favorite' | 'purchase' | 'search' | 'dislike';

/** What may travel with an event: the slate a click came from, the page, a search query. */
export interface EventContext {
  recommendationId?: string;
  position?: number;
  page?: string;
  query?: string;
}

interface Pending {
  id: string;
  itemId: string | null;
  type: EventType;
  value: number | null;
  timestamp: number;
  context: EventContext;
}

interface State {
  options: Required<InitOptions>;
  /** null: not yet asked (only while consentRequired); then what the shopper chose. */
  consent: boolean | null;
  queue: Pending[];
  timer: ReturnType<typeof setTimeout> | null;
  sessionId: string | null;
}

let state: State | null = null;

const allowed = (s: State) => s.consent === true || (s.consent === null && !s.options.consentRequired);
const url = (s: State, path: string) => `${s.options.endpoint.replace(/\/+$/, '')}${path}?key=${encodeURIComponent(s.options.key)}`;

function session(s: State): string {
  if (s.sessionId) return s.sessionId;
  try {
    s.sessionId = sessionStorage.getItem('curio_sid') ?? newId('ses_');
    sessionStorage.setItem('curio_sid', s.sessionId);
  } catch {
    s.sessionId = newId('ses_');
  }
  return s.sessionId;
}

/** Sends every queued event, in beacons of at most `maxBatch`; nothing leaves before consent. */
export function flush(): void {
  const s = state;
  if (!s || !allowed(s)) return;
  if (s.timer !== null) clearTimeout(s.timer);
  s.timer = null;
  // No visitor id is made for a page that recorded nothing.
  if (s.queue.length === 0) return;
  const userId = ensureVisitorId();
  const sessionId = session(s);
  while (s.queue.length > 0) {
    const batch = s.queue.splice(0, s.options.maxBatch);
    beacon(url(s, '/v1/events'), { events: batch.map((e) => ({ ...e, userId, sessionId })) });
  }
}

/** Records an event; it is sent within `flushIntervalMs`, at once when a batch is full. */
export function track(type: EventType, itemId: string | null, context: EventContext = {}, value: number | null = null): void {
  const s = state;
  if (!s || s.consent === false) return;
  s.queue.push({ id: newId('evt_'), itemId, type, value, timestamp: Date.now(), context });
  if (!allowed(s)) {
    // Before consent events stay in memory only, and only the newest few.
    if (s.queue.length > s.options.maxQueued) s.queue.splice(0, s.queue.length - s.options.maxQueued);
    return;
  }
  if (s.queue.length >= s.options.maxBatch) flush();
  else if (s.timer === null) s.timer = setTimeout(flush, s.options.flushIntervalMs);
}

export const view = (itemId: string, context?: EventContext) => track('view', itemId, context);
export const click = (itemId: string, context?: EventContext) => track('click', itemId, context);
export const cart = (itemId: string, context?: EventContext) => track('cart', itemId, context);
/** `value`: what the purchase earned (price × quantity), if the shop wants revenue metrics. */
export const purchase = (itemId: string, value?: number, context?: EventContext) => track('purchase', itemId, context, value ?? null);

/** The shopper's answer: true sends what waited and tracks from now on; false drops it and forgets the visitor id. */
export function consent(granted: boolean): void {
  const s = state;
  if (!s) return;
  s.consent = granted;
  if (granted) return flush();
  s.queue = [];
  forgetVisitorId();
  try {
    sessionStorage.removeItem('curio_sid');
  } catch {
    // nothing stored there
  }
}

/** Starts the tracker; events are flushed when the page is hidden or unloaded, so none is lost to navigation. */
export function init(options: InitOptions): void {
  state = {
    options: { consentRequired: false, maxBatch: 20, flushIntervalMs: 2000, maxQueued: 100, ...options },
    consent: null,
    queue: [],
    timer: null,
    sessionId: null,
  };
  addEventListener('pagehide', flush);
  addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && flush());
}

/** This browser's visitor id; null before consent (when required) and before the first event is sent. */
export const visitorId = (): string | null => storedVisitorId();

/**
 * Renders recommendations into `el`: the visitor's own once tracking is allowed, popular ones before (no id
 * is sent then). A click on an item is recorded with the slate's recommendationId and the item's position.
 */
export async function renderRecommendations(el: Element, options: WidgetOptions = {}): Promise<void> {
  const s = state;
  if (!s) throw new Error('curio: call curio.init first');
  const n = options.n ?? 4;
  el.setAttribute('aria-busy', 'true');
  try {
    const slate = allowed(s)
      ? await request<Slate>(`${url(s, `/v1/users/${encodeURIComponent(ensureVisitorId())}/recommendations`)}&n=${n}`)
      : await request<Slate>(url(s, '/v1/recommendations'), { events: [], n });
    const onClick = (item: RecommendedItem, recommendationId: string) => {
      click(item.itemId, { recommendationId, position: item.position });
      // The link may navigate away: the click leaves now.
      flush();
    };
    renderSlate(el, slate, options, onClick);
  } finally {
    el.removeAttribute('aria-busy');
  }
}
