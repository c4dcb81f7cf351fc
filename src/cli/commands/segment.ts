import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { segmentationCsv, segmentStore } from '../../interest/index.js';
import { openStore } from '../../store/index.js';
import { configFrom, parseFlags, withStoreOptions } from '../options.js';

const flagsSchema = z.object({
  k: z.coerce.number().int().min(2).max(50).optional(),
  maxK: z.coerce.number().int().min(2).max(50),
  seed: z.coerce.number().int(),
  csv: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

/** `curio segment`: k-means shopper segments over interests and recency/frequency/monetary features. */
export function register(program: Command): void {
  withStoreOptions(program.command('segment'))
    .description('cluster shoppers into segments (k-means over interests + RFM; k by silhouette unless --k) and describe them')
    .option('--k <n>', 'number of segments (default: chosen by silhouette)')
    .option('--max-k <n>', 'largest k tried when choosing by silhouette', '8')
    .option('--seed <n>', 'seed for k-means++', '11')
    .option('--csv <file>', 'write one row per user (user_id, segment, RFM, top category)')
    .option('--json', 'print the segment model as JSON')
    .action(async (opts: { config?: string; store?: string; k?: string; maxK: string; seed: string; csv?: string; json?: boolean }) => {
      const flags = parseFlags(flagsSchema, opts);
      const config = configFrom(opts);
      const store = await openStore(config.store.url);
      try {
        const seg = await segmentStore(store, { k: flags.k, maxK: flags.maxK, seed: flags.seed, weights: config.events.weights });
        if (flags.csv) writeFileSync(flags.csv, segmentationCsv(seg));
        if (flags.json) {
          console.log(JSON.stringify(seg.model, null, 2));
          return;
        }
        console.log(`${seg.users.length} users in ${seg.model.k} segments (silhouette ${seg.model.silhouette})`);
        console.table(
          seg.model.segments.map((s) => ({
            segment: s.segment,
            size: s.size,
            'top categories': s.topCategories.map((c) => `${c.category} ${(c.share * 100).toFixed(0)}%`).join(', '),
            'avg order value': s.averageOrderValue,
            conversion: s.conversionRate,
            'session events': s.medianSessionEvents,
            'session minutes': s.medianSessionMinutes,
            'recency days': s.medianRecencyDays,
          })),
        );
        if (flags.csv) console.log(`wrote ${flags.csv}`);
      } finally {
        await store.close();
      }
    });
}
