import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { badInput, parseOrThrow } from '../../core/index.js';
import { DATASET_FORMATS, datasetStats } from '../../data/index.js';
import { DEFAULT_METRICS, formatTable, loadSplit, runEvaluation } from '../../eval/index.js';
import { MODELS } from '../../models/index.js';

const PROTOCOLS = ['loo-full', 'loo-sampled', 'time-full', 'time-sampled'] as const;

const optionsSchema = z.object({
  data: z.string().min(1),
  format: z.enum(DATASET_FORMATS).optional(),
  attributes: z.string().optional(),
  models: z.string().default('pop,itemknn,bpr,ials,ease,transition'),
  protocol: z.enum(PROTOCOLS).default('loo-full'),
  metrics: z.string().default(DEFAULT_METRICS.join(',')),
  trials: z.coerce.number().int().min(1).default(1),
  seed: z.coerce.number().int().default(42),
  negatives: z.coerce.number().int().min(1).default(99),
  validationCases: z.coerce.number().int().min(1).optional(),
  kCore: z.coerce.number().int().min(0).default(0),
  params: z.string().optional(),
  out: z.string().optional(),
  fitOnFullSequences: z.boolean().default(false),
});

/** `curio eval`: tunes models on validation, evaluates them on test, prints a table and writes JSON. */
export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate recommenders offline (leave-one-out or time split; full ranking by default)')
    .requiredOption('-d, --data <file|store-url>', 'sequences file (user item item ...), ReChorus .csv, or a store URL (sqlite:./curio.db)')
    .option('--format <format>', `file format: ${DATASET_FORMATS.join(' | ')} (default: by extension)`)
    .option('--attributes <file>', 'item → attribute ids JSON, for the diversity metric (ild)')
    .option('-m, --models <ids>', `comma-separated model ids: ${MODELS.map((m) => m.id).join(', ')}`)
    .option('-p, --protocol <name>', `${PROTOCOLS.join(' | ')} (default loo-full)`)
    .option('--metrics <names>', 'comma-separated metric names, e.g. hr@10,ndcg@10,coverage@10')
    .option('--trials <n>', 'hyper-parameter trials per model on the validation split (1 = defaults)')
    .option('--seed <n>', 'seed for sampling, training and search')
    .option('--negatives <n>', 'sampled protocols: negatives per case (99 = S3-Rec, 100 = SASRec paper)')
    .option('--validation-cases <n>', 'validate on a seeded subset of this many users (faster tuning)')
    .option('--k-core <k>', 'iterative k-core filter before splitting (0 = none)')
    .option('--params <json>', 'fixed params per model, e.g. \'{"bpr":{"factors":64}}\'')
    .option('-o, --out <file>', 'write the full results as JSON')
    .option('--fit-on-full-sequences', 'LEAKY, for reproducing published PopRec only: fit on whole sequences, test items included')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOrThrow(optionsSchema, raw, { what: 'eval options', prefix: ['eval'] });
      const params = o.params ? parseParams(o.params) : undefined;
      const [splitKind, protocol] = o.protocol.split('-') as ['loo' | 'time', 'full' | 'sampled'];
      const split = await loadSplit({ data: o.data, format: o.format, attributesPath: o.attributes, split: splitKind, kCore: o.kCore });
      const stats = datasetStats(split.full);
      console.error(`data: ${stats.users} users, ${stats.items} items, ${stats.events} events; protocol ${o.protocol}`);
      const metrics = o.metrics
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean);
      const results = await runEvaluation(split, {
        models: o.models
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean),
        protocol,
        metrics,
        seed: o.seed,
        trials: o.trials,
        maxValidationCases: o.validationCases,
        sampledNegatives: o.negatives,
        params,
        fitOnFullSequences: o.fitOnFullSequences,
        onTrial: (id, t) =>
          console.error(`  ${id} ${JSON.stringify(t.params)} validation ndcg@10 ${t.validation.toFixed(4)} (${t.fitSeconds.toFixed(1)} s)`),
      });
      console.log(formatTable(results, metrics));
      if (o.out) {
        writeFileSync(o.out, JSON.stringify({ data: o.data, protocol: o.protocol, seed: o.seed, dataset: stats, results }, null, 2));
        console.error(`wrote ${o.out}`);
      }
    });
}

function parseParams(text: string): Record<string, Record<string, unknown>> {
  try {
    return z.record(z.string(), z.record(z.string(), z.unknown())).parse(JSON.parse(text));
  } catch (cause) {
    throw badInput('--params must be a JSON object of objects, e.g. {"bpr":{"factors":64}}', [
      { path: 'eval.params', message: String(cause) },
    ]);
  }
}
