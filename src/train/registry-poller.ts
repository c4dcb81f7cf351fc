/**
 * Follows a track of the model registry: one look at start, then one every `pollMs`; a look still running
 * is shared, not doubled, and a failed one is warned about and retried at the next poll.
 */
export abstract class RegistryPoller {
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly poll: { pollMs: number; warn: (message: string, error?: unknown) => void },
    private readonly what: string,
  ) {}

  /** Looks now (the serving version is in use when this resolves) and then follows the registry. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.poll.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
  }

  /** One look at the registry; swaps when the serving version changed. */
  check(): Promise<void> {
    this.checking ??= this.look()
      .catch((error: unknown) => this.poll.warn(`${this.what} registry check failed`, error))
      .finally(() => {
        this.checking = null;
      });
    return this.checking;
  }

  protected abstract look(): Promise<void>;
}
