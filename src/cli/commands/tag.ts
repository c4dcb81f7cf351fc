import type { Command } from 'commander';
import { z } from 'zod';
import { tagStore } from '../../interest/index.js';
import { openStore } from '../../store/index.js';
import { configFrom, parseFlags, withStoreOptions } from '../options.js';

const flagsSchema = z.object({
  minConfidence: z.coerce.number().min(0).max(1),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
  seed: z.coerce.number().int(),
});

/** `curio tag`: predicts category and tags of the store's unlabelled items from the labelled ones. */
export function register(program: Command): void {
  withStoreOptions(program.command('tag'))
    .description("learn categories and tags from the catalogue's labelled items (text + co-occurrence) and fill in the unlabelled ones")
    .option('--min-confidence <p>', 'only write predictions at least this confident', '0.5')
    .option('--dry-run', 'print predictions without writing them')
    .option('--json', 'print the predictions as JSON')
    .option('--seed <n>', 'seed for SGD', '17')
    .action(async (opts: { config?: string; store?: string; minConfidence: string; dryRun?: boolean; json?: boolean; seed: string }) => {
      const flags = parseFlags(flagsSchema, opts);
      const config = configFrom(opts);
      const store = await openStore(config.store.url);
      try {
        const report = await tagStore(store, { apply: !flags.dryRun, minConfidence: flags.minConfidence, seed: flags.seed });
        if (flags.json) {
          console.log(JSON.stringify(report, null, 2));
          return;
        }
        console.log(
          `${report.labelledItems} labelled items; ${report.unlabelledItems} lacking a category or tags; ${report.updatedItems} updated${flags.dryRun ? ' (dry run)' : ''}`,
        );
        console.table(
          report.predictions.slice(0, 20).map((p) => ({
            item: p.itemId,
            category: p.category ? `${p.category.label} (${p.category.confidence})` : '',
            tags: p.tags.map((t) => `${t.label} (${t.confidence})`).join(', '),
          })),
        );
      } finally {
        await store.close();
      }
    });
}
