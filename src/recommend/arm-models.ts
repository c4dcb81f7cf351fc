/**
 * Snapshots for experiment arms that serve another model version than the deployment: the deployment's
 * current snapshot (catalogue, lists, co-visitation) with the arm's model swapped in. An arm's snapshot is
 * rebuilt in the background whenever the deployment's snapshot changes; until its first build is ready the
 * arm's shoppers are not admitted (they get the deployment's slate, untagged), so no slate of the arm is
 * ever served by another model.
 */
import type { ProvidedModel } from './model-source.js';
import type { ServingSnapshot } from './snapshot.js';

interface ArmSnapshot {
  /** The deployment snapshot it was derived from. */
  base: ServingSnapshot | null;
  snap: ServingSnapshot | null;
  building: Promise<void> | null;
  model: Promise<ProvidedModel> | null;
}

export interface ArmModelsOptions {
  /** Loads a registry version (verified) as a servable model. */
  load: (versionId: string) => Promise<ProvidedModel>;
  /** The deployment's snapshot with another model in it (SnapshotManager.derive). */
  derive: (served: ProvidedModel) => Promise<ServingSnapshot>;
  /** The deployment's current snapshot. */
  current: () => ServingSnapshot;
  warn: (message: string, error: unknown) => void;
}

export class ArmModels {
  private readonly arms = new Map<string, ArmSnapshot>();

  constructor(private readonly options: ArmModelsOptions) {}

  /**
   * The arm's snapshot, or null while its first build runs. A snapshot derived from an older deployment
   * snapshot keeps serving while a fresh one is built from the current one.
   */
  snapshotFor(versionId: string): ServingSnapshot | null {
    let arm = this.arms.get(versionId);
    if (!arm) this.arms.set(versionId, (arm = { base: null, snap: null, building: null, model: null }));
    const current = this.options.current();
    if (arm.base !== current && !arm.building) arm.building = this.build(versionId, arm, current);
    return arm.snap;
  }

  /** Resolves when no arm snapshot is building (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.arms.values()].map((a) => a.building?.catch(() => undefined)));
  }

  /**
   * Drops every arm model and snapshot (an erasure: a loaded model may hold the erased user's row, and the
   * stored artifact it reloads from has been scrubbed). The next request rebuilds them.
   */
  forget(): void {
    this.arms.clear();
  }

  /** Versions with a snapshot built or building. */
  versions(): string[] {
    return [...this.arms.keys()];
  }

  private async build(versionId: string, arm: ArmSnapshot, base: ServingSnapshot): Promise<void> {
    try {
      arm.model ??= this.options.load(versionId);
      const snap = await this.options.derive(await arm.model);
      if (this.arms.get(versionId) === arm) {
        arm.snap = snap;
        arm.base = base;
      }
    } catch (error) {
      // A version that cannot load leaves its arm unserved (its shoppers get the deployment's slate); retried at the next snapshot.
      arm.model = null;
      arm.base = base;
      this.options.warn(`experiment arm model ${versionId}: cannot serve it`, error);
    } finally {
      arm.building = null;
    }
  }
}
