import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CurioError } from '../../core/index.js';
import { ExperimentRegistry } from '../../experiments/index.js';
import { createPseudonymiser } from '../../privacy/index.js';
import { exportUser, InsightRuntime } from '../../recommend/index.js';
import { openStore } from '../../store/index.js';
import { configFrom, withStoreOptions } from '../options.js';

/** `curio export-user <id>`: everything stored about a user as JSON, the same document as `GET /v1/users/:id/export`. */
export function register(program: Command): void {
  withStoreOptions(program.command('export-user'))
    .description(
      "print everything stored about a user as JSON (record, consent, events, decisions, profile, segment, arms), by the shop's id",
    )
    .argument('<id>', "the shop's user id (pseudonymised with CURIO_ID_SECRET as the server does)")
    .option('--out <file>', 'write the JSON to this file instead of stdout')
    .action(async (id: string, opts: { config?: string; store?: string; out?: string }) => {
      const config = configFrom(opts);
      const store = await openStore(config.store.url);
      try {
        const exported = await exportUser({
          store,
          config,
          rawId: id,
          storedId: createPseudonymiser(config.privacy.idSecret)(id),
          // A one-off runtime: the segmentation is built from the store; no intent model is trained for an export.
          insight: new InsightRuntime({ config, store, settings: config.insight }),
          experiments: await new ExperimentRegistry(store, 0).list(),
        });
        if (!exported) throw new CurioError('NOT_FOUND', `no user with id "${id}"`);
        const text = JSON.stringify(exported, null, 2);
        if (opts.out) writeFileSync(opts.out, text + '\n');
        else console.log(text);
      } finally {
        await store.close();
      }
    });
}
