import type { ProvidedModel } from '../recommend/index.js';
import type { ModelVersion, Store } from '../store/index.js';
import { RegistryPoller } from './registry-poller.js';
import { warmVerifyThread } from './verify-thread.js';
import { loadVersion, previousServing, ROLLED_BACK, type LoadedVersion } from './versions.js';

/** Versions a serving process keeps loaded: the one it serves and the one it served before (a rollback's). */
const KEPT_VERSIONS = 2;

export interface ServingWatcherOptions {
  store: Store;
  pollMs: number;
  /** Swaps the model into the serving snapshot. */
  use: (served: ProvidedModel) => Promise<void>;
  warn: (message: string, error?: unknown) => void;
}

/**
 * Keeps a serving process on the registry's serving version: it polls the store (cheap: one indexed row)
 * and swaps a newly promoted version in once it has loaded and verified it. A version that fails to load
 * is never served: the registry is put back on the version this process serves and the broken one is
 * rejected with the reason, so every process agrees.
 */
export class ServingWatcher extends RegistryPoller {
  private currentId: string | null = null;
  /**
   * The version being swapped in, from the moment `serve` is called: a promotion by hand writes the registry
   * and then swaps, and a poll landing during the swap (it can take seconds with an ANN graph to build) must
   * not load and swap the same version a second time.
   */
  private incomingId: string | null = null;
  /** The last versions served here, loaded and verified, by id (most recent last). */
  private readonly kept = new Map<string, LoadedVersion>();

  constructor(private readonly options: ServingWatcherOptions) {
    super(options, 'model');
  }

  /** The version being served, or null before the first. */
  get current(): string | null {
    return this.currentId;
  }

  /** Loads the serving version now (if any) and then follows the registry. */
  override async start(): Promise<void> {
    warmVerifyThread();
    await super.start();
  }

  /**
   * The version as this process loaded it when it served it lately, if the registry's row still has the
   * checksum it was loaded with (an erasure that rewrites an artifact changes it): going back to it, by hand
   * here or by following another process's rollback, then neither reads nor checks the artifact again, which
   * on a busy machine took longer than the swap itself. Artifacts are immutable otherwise.
   */
  keptVersion(version: ModelVersion): LoadedVersion | undefined {
    const kept = this.kept.get(version.id);
    return kept && kept.version.checksum === version.checksum ? kept : undefined;
  }

  /** Serves a version this process has just promoted (the API's promote and rollback): no wait for the next poll. */
  async serve(loaded: LoadedVersion): Promise<void> {
    const id = loaded.version.id;
    this.incomingId = id;
    try {
      await this.options.use(provided(loaded));
      this.currentId = id;
      this.kept.delete(id);
      this.kept.set(id, loaded);
      while (this.kept.size > KEPT_VERSIONS) this.kept.delete(this.kept.keys().next().value as string);
    } finally {
      if (this.incomingId === id) this.incomingId = null;
    }
  }

  /**
   * Loads the serving version again even though its id did not change: its artifact was rewritten in place
   * (an erasure removed a user's row), so the copy in memory must go too.
   */
  async reload(): Promise<void> {
    this.currentId = null;
    this.incomingId = null;
    this.kept.clear();
    await this.check();
  }

  protected async look(): Promise<void> {
    const { store } = this.options;
    const version = await store.servingModelVersion();
    if (!version || this.holds(version.id)) return;
    let loaded: LoadedVersion;
    try {
      loaded = this.keptVersion(version) ?? (await loadVersion(store, version));
    } catch (error) {
      await this.refuse(version, error);
      return;
    }
    // A promotion by hand may have started swapping it in while this look was loading it.
    if (this.holds(version.id)) return;
    await this.serve(loaded);
  }

  /** Whether this process serves the version or is swapping it in. */
  private holds(id: string): boolean {
    return id === this.currentId || id === this.incomingId;
  }

  private async refuse(version: ModelVersion, error: unknown): Promise<void> {
    const { store, warn } = this.options;
    const reason = `refused at load: ${error instanceof Error ? error.message : String(error)}`;
    warn(`model version ${version.id} ${reason}`);
    const back = this.currentId ?? (await previousServing(store).catch(() => null))?.id ?? null;
    if (back) {
      await store.promoteModelVersion(back, `${ROLLED_BACK}: ${reason}`);
      await store.setModelVersionState(version.id, 'rejected', reason);
    }
  }
}

function provided(loaded: LoadedVersion): ProvidedModel {
  // The lists go along: without them every later snapshot build would read the whole event history.
  const { version, ...served } = loaded;
  return { ...served, source: 'loaded', versionId: version.id };
}
