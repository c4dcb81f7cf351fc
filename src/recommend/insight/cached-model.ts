/** A built model and when it was built. */
export interface Built<T> {
  value: T;
  /** Epoch ms (the cache's clock) when the build finished. */
  builtAt: number;
  buildSeconds: number;
}

export interface CachedModelOptions<T> {
  build: () => Promise<T>;
  /** Age after which the next read starts a rebuild; 0 = never expires. */
  ttlSeconds: number;
  clock?: () => number;
  /** Where a failed background rebuild is reported (the stale model keeps serving). */
  warn?: (message: string, error: unknown) => void;
  name: string;
}

/** What operators see of a cache. */
export interface CacheStatus {
  builtAt: string;
  buildSeconds: number;
  ageSeconds: number;
  stale: boolean;
  rebuilding: boolean;
}

/**
 * A model built on first use and kept for `ttlSeconds`. An expired model keeps serving while one rebuild
 * runs in the background (a request never waits for a recompute once a model exists); `refresh` always
 * starts a new build and waits for it. Builds that finish out of order never replace a newer one.
 */
export class CachedModel<T> {
  private current: Built<T> | null = null;
  private inflight: Promise<Built<T>> | null = null;
  private started = 0;
  private installed = 0;
  /** Builds up to this one were made from data since erased: stale whatever their age. */
  private forgottenUpTo = 0;
  /** What `forget` removes from builds that were running when it was called, applied when they finish. */
  private scrubs: Array<{ upTo: number; scrub: (value: T) => T }> = [];
  private readonly clock: () => number;

  constructor(private readonly options: CachedModelOptions<T>) {
    this.clock = options.clock ?? Date.now;
  }

  /** The current model, building it when there is none (concurrent first reads share one build). */
  async get(): Promise<Built<T>> {
    const current = this.current;
    if (!current) return this.inflight ?? this.start();
    if (this.expired(current) && !this.inflight) {
      this.start().catch((error: unknown) => this.options.warn?.(`${this.options.name}: background rebuild failed`, error));
    }
    return current;
  }

  /** Whether a build is running now. */
  get building(): boolean {
    return this.inflight !== null;
  }

  /** The current model without building or waiting (null before the first build): for the request path. */
  peek(): T | null {
    return this.current?.value ?? null;
  }

  /** Builds a new model from the data as it is now and installs it. */
  refresh(): Promise<Built<T>> {
    return this.start();
  }

  /**
   * A user was erased: `scrub` removes what they are in the model (their row of a segmentation) from the one
   * being served, now, and from any build already running (it read the store before the erasure). Either is
   * then stale, so the next read starts a rebuild without them while the scrubbed one keeps serving.
   */
  forget(scrub: (value: T) => T = (value) => value): void {
    if (this.current) this.current = { ...this.current, value: scrub(this.current.value) };
    if (this.inflight) this.scrubs.push({ upTo: this.started, scrub });
    this.forgottenUpTo = this.started;
  }

  /** Resolves when no build is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight)
      await this.inflight.then(
        () => undefined,
        () => undefined,
      );
  }

  status(): CacheStatus | null {
    const c = this.current;
    if (!c) return null;
    const ageSeconds = Math.max(0, (this.clock() - c.builtAt) / 1000);
    return {
      builtAt: new Date(c.builtAt).toISOString(),
      buildSeconds: c.buildSeconds,
      ageSeconds: Math.round(ageSeconds),
      stale: this.expired(c),
      rebuilding: this.inflight !== null,
    };
  }

  private expired(c: Built<T>): boolean {
    if (c === this.current && this.installed <= this.forgottenUpTo) return true;
    return this.options.ttlSeconds > 0 && this.clock() - c.builtAt >= this.options.ttlSeconds * 1000;
  }

  private start(): Promise<Built<T>> {
    const generation = ++this.started;
    const t0 = performance.now();
    const run = this.options.build().then((read) => {
      const value = this.scrubs.filter((s) => generation <= s.upTo).reduce((v, s) => s.scrub(v), read);
      this.scrubs = this.scrubs.filter((s) => s.upTo > generation);
      const built: Built<T> = { value, builtAt: this.clock(), buildSeconds: Math.round(performance.now() - t0) / 1000 };
      if (generation > this.installed) [this.current, this.installed] = [built, generation];
      return this.current ?? built;
    });
    const tracked = run.finally(() => {
      if (this.inflight === tracked) this.inflight = null;
    });
    this.inflight = tracked;
    return tracked;
  }
}
