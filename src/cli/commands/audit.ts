import type { Command } from 'commander';
import { z } from 'zod';
import { auditUserTarget, createPseudonymiser } from '../../privacy/index.js';
import { openStore } from '../../store/index.js';
import { configFrom, parseFlags, withStoreOptions } from '../options.js';

type Opts = { config?: string; store?: string; json?: boolean; limit?: string; before?: string; target?: string; user?: string };

const flagsSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100_000).default(50),
    before: z.coerce.number().int().min(1).optional(),
    target: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
  })
  .refine((f) => f.target === undefined || f.user === undefined, { message: 'give --target or --user, not both', path: ['user'] });

/** `curio audit`: the audit log of admin actions, newest first. */
export function register(program: Command): void {
  withStoreOptions(program.command('audit'))
    .description('the audit log of admin actions (erasure, keys, promotion, experiments), newest first')
    .option('--limit <n>', 'entries to show', '50')
    .option('--before <id>', 'only entries older than this entry id (paging)')
    .option('--target <target>', 'only entries about this key, model or experiment id (or user:<hash>)')
    .option('--user <id>', 'only entries about this shop user id (hashed as the log stores it; the id is not printed)')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const config = configFrom(opts);
      const flags = parseFlags(flagsSchema, { limit: opts.limit, before: opts.before, target: opts.target, user: opts.user });
      const target = flags.user === undefined ? flags.target : auditUserTarget(createPseudonymiser(config.privacy.idSecret)(flags.user));
      const store = await openStore(config.store.url);
      try {
        const entries = await store.listAudit({ limit: flags.limit, before: flags.before, target });
        if (opts.json) console.log(JSON.stringify(entries, null, 2));
        else if (entries.length === 0) console.log('no audit entries');
        else console.table(entries.map((e) => ({ ...e, target: e.target ?? '', status: e.status ?? '' })));
      } finally {
        await store.close();
      }
    });
}
