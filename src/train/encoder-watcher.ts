import type { ImageEncoder } from '../pictures/encoder.js';
import type { Store } from '../store/index.js';
import { loadEncoderVersion } from './pictures-job.js';
import { RegistryPoller } from './registry-poller.js';

export interface EncoderWatcherOptions {
  store: Store;
  pollMs: number;
  /** Puts the encoder of a newly serving `pictures` version to use (the catalogue embeds the pictures again). */
  use: (encoder: { encoder: ImageEncoder; version: string }) => Promise<void>;
  warn: (message: string, error?: unknown) => void;
}

/**
 * Keeps a serving process on the registry's serving image encoder (the `pictures` track), as ServingWatcher
 * does for the recommender: one indexed read per poll, and a promoted version is loaded, checked against
 * its checksum and put to use. A version that fails to load is warned about once and left unused; the
 * encoder in use stays.
 */
export class EncoderWatcher extends RegistryPoller {
  private currentId: string | null = null;
  private readonly refused = new Set<string>();

  constructor(private readonly options: EncoderWatcherOptions) {
    super(options, 'image encoder');
  }

  /** The encoder version in use, or null before the first. */
  get current(): string | null {
    return this.currentId;
  }

  protected async look(): Promise<void> {
    const version = await this.options.store.servingModelVersion('pictures');
    if (!version || version.id === this.currentId || this.refused.has(version.id)) return;
    let encoder: ImageEncoder;
    try {
      encoder = await loadEncoderVersion(this.options.store, version);
    } catch (error) {
      this.refused.add(version.id);
      this.options.warn(`image encoder ${version.id} cannot be loaded; the encoder in use stays`, error);
      return;
    }
    this.currentId = version.id;
    await this.options.use({ encoder, version: version.id });
  }
}
