import type { Command } from 'commander';
import type { ModelVersion } from '../../store/index.js';
import { audited } from '../../privacy/index.js';
import { promoteVersion, rollbackVersion } from '../../train/index.js';
import { cliActor } from '../cli-actor.js';
import { withStore, withStoreOptions } from '../options.js';

type Opts = { config?: string; store?: string; json?: boolean };

const fmt = (x: number | null | undefined): string => (typeof x === 'number' ? x.toFixed(4) : '-');

function row(v: ModelVersion) {
  return {
    id: v.id,
    model: v.model,
    state: v.state,
    trained: v.trainedAt,
    events: v.window.events,
    'holdout ndcg@10': fmt(v.metrics['holdout:ndcg@10']),
    'serving ndcg@10': fmt(v.metrics['serving:ndcg@10']),
    reason: v.reason ?? '',
  };
}

/** `curio models list|show|promote|rollback`: the model registry. Serving processes follow a promotion within `training.pollMs`. */
export function register(program: Command): void {
  const models = program.command('models').description('the model registry: trained versions, the serving one, promotion and rollback');
  withStoreOptions(models.command('list'))
    .description('list model versions, newest first')
    .option('--json', 'print JSON')
    .action((opts: Opts) =>
      withStore(opts, async (store) => {
        const versions = await store.listModelVersions();
        if (opts.json) return versions;
        if (versions.length === 0) return 'no model versions yet (the trainer makes the first once the store has events)';
        console.table(versions.map(row));
        return undefined;
      }),
    );
  withStoreOptions(models.command('show <id>'))
    .description('one version: data window, metrics, gate decision, checksum, state')
    .action((id: string, opts: Opts) => withStore(opts, async (store) => (await store.getModelVersion(id)) ?? `no model version ${id}`));
  withStoreOptions(models.command('promote <id>'))
    .description('serve this version (verified first; rejected versions cannot be promoted)')
    .action((id: string, opts: Opts) =>
      withStore(opts, async (store) => {
        const promoted = await audited(store, { actor: cliActor(), action: 'curio models promote', target: id }, () =>
          promoteVersion(store, id),
        );
        return `serving ${promoted.id}`;
      }),
    );
  withStoreOptions(models.command('rollback'))
    .description('serve again the version that served before the current one')
    .action((opts: Opts) =>
      withStore(opts, async (store) => {
        const { from, to } = await audited(store, { actor: cliActor(), action: 'curio models rollback', target: (r) => r.to.id }, () =>
          rollbackVersion(store),
        );
        return `rolled back from ${from ?? 'none'} to ${to.id}`;
      }),
    );
}
