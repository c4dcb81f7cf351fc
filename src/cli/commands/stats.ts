import type { Command } from 'commander';
import type { Config } from '../../core/index.js';
import { lastRetentionPass, openStore, retentionInForce, type RetentionPass } from '../../store/index.js';
import { configFrom, withStoreOptions } from '../options.js';

/** The retention in force (days per event type and for decisions, 0 = kept) and the last pass any server saved. */
function retentionReport(config: Config, lastPass: RetentionPass | null) {
  return { ...retentionInForce({ ...config.retention, eventDays: config.privacy.retentionDays }), lastPass };
}

/** `curio stats`: counts by type and day, top items and categories, and retention. */
export function register(program: Command): void {
  withStoreOptions(program.command('stats'))
    .description('show what the store holds: counts by type and day, top items and categories')
    .option('--top <n>', 'how many top items and categories', (v) => Number.parseInt(v, 10), 10)
    .option('--json', 'print JSON instead of tables')
    .action(async (opts: { config?: string; store?: string; top: number; json?: boolean }) => {
      const config = configFrom(opts);
      const store = await openStore(config.store.url);
      try {
        const s = await store.stats({ top: opts.top });
        const retention = retentionReport(config, await lastRetentionPass(store));
        if (opts.json) {
          console.log(JSON.stringify({ ...s, retention }, null, 2));
          return;
        }
        console.log(
          `store ${config.store.url}: ${s.items} items, ${s.users} users with records, ${s.distinctEventUsers} users with events, ${s.events} events`,
        );
        console.log('\nevents by type');
        console.table(Object.entries(s.byType).map(([type, events]) => ({ type, events })));
        console.log('events by day' + (s.byDay.length > 14 ? ` (last 14 of ${s.byDay.length})` : ''));
        console.table(s.byDay.slice(-14));
        console.log('top items');
        console.table(s.topItems);
        console.log('top categories');
        console.table(s.topCategories);
        printRetention(retention);
      } finally {
        await store.close();
      }
    });
}

function printRetention(r: ReturnType<typeof retentionReport>): void {
  const kept = (days: number) => (days > 0 ? `${days} days` : 'kept');
  console.log(`retention (a pass every ${r.pruneIntervalMinutes} min while a server runs; 0 = never): decisions ${kept(r.decisionDays)}`);
  console.table(Object.entries(r.eventDays).map(([type, days]) => ({ type, kept: kept(days) })));
  const p = r.lastPass;
  if (!p) {
    console.log('last retention pass: none yet');
    return;
  }
  const events = Object.values(p.events).reduce((a, b) => a + b, 0);
  console.log(
    `last retention pass: ${new Date(p.startedAt).toISOString()} (${p.finishedAt - p.startedAt} ms): ${p.slates} decisions, ` +
      `${p.impressionEvents + events} events removed${p.space ? `; space: ${p.space.method}, ${p.space.freedPages} pages freed` : ''}`,
  );
}
