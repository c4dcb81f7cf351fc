/**
 * The child processes of `bench/serve.ts` and `bench/serve-timeline.ts`, so that building the shop,
 * serving it and generating load never share a heap (and a garbage collector) with one another:
 *   --build <path>   generate the 50,000-item shop into a SQLite file; print a JSON summary
 *   --server <path>  serve it on a free port ([--user-cache-seconds N] [--policy id] [--settings <ServerSettings JSON>]);
 *                    print `READY <url> <start seconds>`
 *   --generate       run open-loop jobs sent over IPC, one at a time, and send back each result
 */
import { loadConfig, type Event } from '../src/core/index.js';
import { createShop } from '../src/eval/index.js';
import { startServer } from '../src/serve/index.js';
import { openStore } from '../src/store/index.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop.js';

export const KEY = 'bench-read-key-0123456789';
export const SHOP = { seed: 11, items: 50_000, users: 10_000, days: 14, categories: 8 };
export const CHILD = new URL(import.meta.url).pathname;

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** What a bench adds to the server's configuration: more API keys (`key:scope+scope,...`) and dotted-path overrides. */
export interface ServerSettings {
  keys?: string;
  overrides?: Record<string, unknown>;
}

/**
 * The bench server's configuration: one read key, the store at `path`, a fixed seed; the default policy unless
 * `policy` names one. No trainer (`training.worker: false`): with no model version in the store it would start
 * a retrain at once and promote its result during the measurement. `settings` may turn it on.
 */
export const serverConfig = (path: string, userCacheSeconds: number, policy?: string, settings: ServerSettings = {}) =>
  loadConfig({
    env: {
      CURIO_API_KEYS: [`${KEY}:read`, ...(settings.keys ? [settings.keys] : [])].join(','),
      CURIO_LOG_LEVEL: 'warn',
      CURIO_SERVING_USER_CACHE_SECONDS: String(userCacheSeconds),
    },
    overrides: {
      'store.url': `sqlite:${path}`,
      'server.port': 0,
      'serving.seed': 1,
      'training.worker': false,
      ...(policy ? { 'serving.policy': policy } : {}),
      ...settings.overrides,
    },
  });

/** A fixed stride through the users: a user comes back only after all others. */
export const strided = (users: string[], k: number): string => `/v1/users/${users[(k * 7919) % users.length]}/recommendations?n=10`;

/** What the generator process is asked to run: users from `offset` on in the stride, or warm-up users the shop does not know. */
export interface GeneratorJob {
  url: string;
  rate: number;
  seconds: number;
  users: string[] | 'warm-up';
  offset: number;
  /** The API key the requests carry (default: the bench server's read key). */
  key?: string;
  /** Return every request's due time, latency, status and the `modelVersion` it was answered with (open-loop.ts). */
  timeline?: boolean;
}

export interface BuiltShop {
  users: string[];
  events: number;
  seconds: number;
}

async function buildStore(path: string): Promise<BuiltShop> {
  const started = performance.now();
  const shop = createShop(SHOP);
  const store = await openStore(`sqlite:${path}`);
  await store.upsertItems(shop.items);
  let batch: Event[] = [];
  let events = 0;
  for (const e of shop.events()) {
    batch.push(e);
    events++;
    if (batch.length === 10_000) {
      await store.appendEvents(batch);
      batch = [];
    }
  }
  await store.appendEvents(batch);
  await store.close();
  return { users: shop.users.map((u) => u.id), events, seconds: (performance.now() - started) / 1000 };
}

async function serve(path: string, userCacheSeconds: number, policy?: string, settings?: ServerSettings): Promise<void> {
  const started = performance.now();
  const server = await startServer(serverConfig(path, userCacheSeconds, policy, settings));
  console.log(`READY ${server.url} ${((performance.now() - started) / 1000).toFixed(2)}`);
}

/**
 * The load comes from this separate, lean, long-lived process: in the orchestrating one, collecting the
 * generated shop's garbage stalled response handling and charged that to the server, and a fresh process
 * per rate would measure its own JIT warm-up.
 */
function generate(): void {
  process.on('message', (message: GeneratorJob | GeneratorJob[] | 'exit') => {
    if (message === 'exit') return process.disconnect();
    // An array runs its jobs at once (one per node of a cluster) and answers with their results in order.
    if (Array.isArray(message)) void Promise.all(message.map(openLoop)).then((results) => process.send?.(results));
    else void openLoop(message).then((result) => process.send?.(result));
  });
}

function openLoop(job: GeneratorJob): Promise<OpenLoopResult> {
  const users = job.users;
  const path =
    users === 'warm-up' ? (i: number) => `/v1/users/warm-up-${i}/recommendations?n=10` : (i: number) => strided(users, job.offset + i);
  return runOpenLoop({
    url: job.url,
    ratePerSecond: job.rate,
    seconds: job.seconds,
    path,
    headers: { authorization: `Bearer ${job.key ?? KEY}` },
    timeline: job.timeline,
  });
}

// Imported by the orchestrators for the shared constants; runs a mode only as a child's entry point.
if (process.argv[1] === CHILD) {
  const buildPath = argValue('build');
  const serverPath = argValue('server');
  if (buildPath) console.log(JSON.stringify(await buildStore(buildPath)));
  else if (serverPath) {
    const settings = argValue('settings');
    await serve(
      serverPath,
      Number(argValue('user-cache-seconds') ?? 300),
      argValue('policy'),
      settings ? (JSON.parse(settings) as ServerSettings) : undefined,
    );
  } else if (process.argv.includes('--generate')) generate();
  else throw new Error('bench/serve-child.ts needs --build <path>, --server <path> or --generate');
}
