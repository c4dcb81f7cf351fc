import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { createProgress } from '../../core/index.js';
import { CONSOLE_PATH, startServer } from '../../serve/index.js';
import { openStore } from '../../store/index.js';
import { configFrom } from '../options.js';
import { simulateIntoStore } from './simulate.js';
import { addDemoPictures, DEFAULT_DEMO_PICTURES, fashionMnistDir } from './demo-pictures.js';

interface DemoOptions {
  config?: string;
  store: string;
  port: number;
  host?: string;
  seed: number;
  users: number;
  items: number;
  days: number;
  fresh?: boolean;
  pictures: boolean;
  visualTaste: number;
  encoder?: string;
}

const int = (v: string) => Number.parseInt(v, 10);

/** `curio demo`: simulate a shop, import it, start the API and print where to look. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('simulate a shop, import it into a local store, start the API and print the URLs')
    .option('-c, --config <file>', 'JSON configuration file')
    .option('-s, --store <url>', 'demo store', 'sqlite:./.curio/demo.db')
    .option('-p, --port <n>', 'HTTP port', int, 8080)
    .option('--host <host>', 'address to bind')
    .option('--seed <n>', 'simulation seed', int, 7)
    .option('--users <n>', 'simulated shoppers', int, 2000)
    .option('--items <n>', 'simulated catalogue size', int, 1000)
    .option('--days <n>', 'simulated days of traffic', int, 14)
    .option('--fresh', 'delete the demo store first')
    .option('--no-pictures', 'no Fashion-MNIST pictures for the fashion items (and no image encoder)')
    .option('--visual-taste <x>', "weight of shoppers' taste for the looks of fashion items (with pictures)", Number, 2)
    .option('--encoder <file>', 'the image encoder file (trained on the pictures when missing); default beside a SQLite store')
    .action(async (opts: DemoOptions) => {
      if (opts.fresh && opts.store.startsWith('sqlite:') && !opts.store.includes(':memory:')) {
        const path = opts.store.slice('sqlite:'.length);
        for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      }
      const key = process.env.CURIO_API_KEYS ? null : `demo-${randomBytes(12).toString('hex')}`;
      // Request logs would bury the URLs below; they stay off unless the user chose a log level.
      const quiet = !opts.config && !process.env.CURIO_LOG_LEVEL;
      const config = configFrom(opts, {
        'server.port': opts.port,
        'server.host': opts.host,
        ...(quiet ? { logLevel: 'warn' } : {}),
        ...(key ? { 'auth.keys': [{ key, scopes: ['admin'], name: 'demo' }] } : {}),
      });

      const sqlitePath = opts.store.startsWith('sqlite:') && !opts.store.includes(':memory:') ? opts.store.slice('sqlite:'.length) : null;
      const encoderPath = opts.encoder ?? (sqlitePath ? `${sqlitePath}.image-encoder` : './.curio/demo.image-encoder');
      const store = await openStore(config.store.url);
      const before = await store.counts();
      if (before.events === 0) {
        console.log(`Simulating a shop: ${opts.users} shoppers, ${opts.items} items, ${opts.days} days (seed ${opts.seed})`);
        const progress = createProgress({ label: 'simulate', unit: 'events' });
        const s = await simulateIntoStore(
          store,
          {
            seed: opts.seed,
            users: opts.users,
            items: opts.items,
            days: opts.days,
            // Recent traffic, so "trending" and recency-weighted views look alive; the store is reused afterwards.
            startTime: Math.floor((Date.now() - opts.days * 86_400_000) / 86_400_000) * 86_400_000,
            idSecret: config.privacy.idSecret,
            visualTaste: opts.pictures ? opts.visualTaste : 0,
          },
          progress,
        );
        progress.stop();
        console.log(`Stored ${s.items} items and ${s.accepted} events in ${s.seconds.toFixed(1)} s`);
        if (opts.pictures) {
          await addDemoPictures(store, s.shop, { dir: fashionMnistDir(), encoderPath, seed: opts.seed, ...DEFAULT_DEMO_PICTURES }, (line) =>
            console.log(line),
          );
        }
      } else {
        console.log(`Using the existing demo store (${before.items} items, ${before.events} events); --fresh starts over`);
      }
      await store.close();

      // The server embeds the stored pictures with the demo encoder when it starts (docs/pictures.md).
      if (opts.pictures && !config.pictures.encoderPath && existsSync(encoderPath)) config.pictures.encoderPath = encoderPath;
      const firstPictured = await firstPicturedItem(config.store.url);
      const server = await startServer(config);
      const auth = key ? `-H 'Authorization: Bearer ${key}'` : "-H 'Authorization: Bearer <your key>'";
      const url = server.url;
      console.log(`
Curio is running at ${url}
  Console      ${url}${CONSOLE_PATH}/   (sign in with the API key below)
  Health       ${url}/healthz
  API docs     ${url}/docs   (OpenAPI: ${url}/openapi.json)
  Metrics      ${url}/metrics
  Store        ${config.store.url}
  API key      ${key ?? '(from CURIO_API_KEYS)'}   (scope: admin)

Try it (u1 is a simulated shopper, i1 an item):
  curl ${auth} '${url}/v1/users/u1/recommendations?n=5'
  curl ${auth} '${url}/v1/users/u1/recommendations?n=5&explore=0.5'
  curl ${auth} ${url}/v1/users/u1/interests
  curl ${auth} ${url}/v1/items/i1/similar
${
  config.pictures.encoderPath
    ? `  curl ${auth} '${url}/v1/items/${firstPictured ?? 'i1'}/similar?by=picture&n=5'
  curl ${auth} -X POST '${url}/v1/recommendations/by-picture?userId=u1&n=5' -H 'content-type: image/png' --data-binary @photo.png
`
    : ''
}  curl ${auth} -X POST ${url}/v1/events -H 'content-type: application/json' \\
       -d '{"events":[{"id":"demo-1","userId":"u1","itemId":"i1","type":"click","timestamp":${Date.now()}}]}'
  npx curio stats --store ${config.store.url}

Learning loop: ${config.training.worker ? 'the trainer trains model versions beside the server (the first one now; curio-seq and a blend among the candidates)' : 'training.worker is off: run `curio worker` on this store'}
  curl ${auth} ${url}/v1/admin/jobs       npx curio jobs --store ${config.store.url}
  curl ${auth} ${url}/v1/admin/models     npx curio models list --store ${config.store.url}
${quiet ? '\nRequest logs are off in the demo; CURIO_LOG_LEVEL=info shows them.\n' : ''}
Press Ctrl-C to stop.`);
    });
}

/** An item with a stored picture, for the example commands; null when there is none. */
async function firstPicturedItem(url: string): Promise<string | null> {
  const store = await openStore(url);
  try {
    for await (const p of store.scanItemPictures(1)) return p.itemId;
    return null;
  } finally {
    await store.close();
  }
}
