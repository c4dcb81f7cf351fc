import type { Command } from 'commander';
import { openStore } from '../../store/index.js';
import { configFrom, withStoreOptions } from '../options.js';

/** `curio stats`: counts by type and day, top items and categories. */
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
        if (opts.json) {
          console.log(JSON.stringify(s, null, 2));
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
      } finally {
        await store.close();
      }
    });
}
