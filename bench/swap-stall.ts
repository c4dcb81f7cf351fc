/**
 * How long a version swap holds the request thread: a serving process (SnapshotManager, as `curio serve`
 * runs it) on the 50,000-item bench shop swaps between two curio-seq versions, loading each from the
 * registry as the serving watcher does. A 1 ms timer on the request thread measures the longest stall
 * (what every request arriving then waits for) and the time spent in stalls over 5 ms, for the first swap
 * to each version (its HNSW graph is built) and for later swaps (the graph is kept), with the graph built
 * in a thread of its own (the default) and on the request thread in chunks (the old way), in one run.
 * Run: npm run bench:swap [-- --swaps 6 --version-max-seconds 60 --profile-dir dir --out bench/results/swap-stall.json]
 */
import { Session } from 'node:inspector';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { argValue, buildInChild, machineInfo, median, runFileInChild } from './serve-shared.js';
import { trainServingVersions, type TrainedVersions } from './serve-versions.js';
import { loadConfig } from '../src/core/index.js';
import { SnapshotManager } from '../src/recommend/snapshot-manager.js';
import { openStore } from '../src/store/index.js';
import { loadVersion } from '../src/train/index.js';

const SELF = new URL(import.meta.url).pathname;
const SWAPS = Number(argValue('swaps') ?? 6);
const VERSION_PARAMS = { dim: Number(argValue('version-dim') ?? 32), blocks: 2, heads: 2, maxLen: 50, epochs: 1, loss: 'sampled' };
const VERSION_MAX_SECONDS = Number(argValue('version-max-seconds') ?? 60);
const OUT = argValue('out') ?? 'bench/results/swap-stall.json';
const BUILDS = ['thread', 'here'] as const;
/** `--profile-dir dir`: a V8 CPU profile of the swaps (not of the setup) per measured mode, to see where a stall's time goes. */
const PROFILE_DIR = argValue('profile-dir');
type Build = (typeof BUILDS)[number];

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
const line = (text: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);

interface Swap {
  to: string;
  /** The first swap to a version builds its graph (curio-seq); a later one finds it kept. */
  graph: 'built' | 'kept';
  loadMs: number;
  useMs: number;
  maxStallMs: number;
  stallOver5MsTotalMs: number;
}

/** The request thread's stalls: a 1 ms timer whose late firings are the waits a request would have seen. */
class StallProbe {
  private last = performance.now();
  private timer: NodeJS.Timeout | null = null;
  max = 0;
  over5 = 0;
  start(): void {
    this.last = performance.now();
    this.max = 0;
    this.over5 = 0;
    this.timer = setInterval(() => {
      const now = performance.now();
      const stall = now - this.last - 1;
      this.last = now;
      if (stall > this.max) this.max = stall;
      if (stall > 5) this.over5 += stall;
    }, 1);
  }
  stop(): { maxStallMs: number; stallOver5MsTotalMs: number } {
    if (this.timer) clearInterval(this.timer);
    // The last stretch since the final tick counts too.
    const tail = performance.now() - this.last - 1;
    return { maxStallMs: round(Math.max(this.max, tail)), stallOver5MsTotalMs: round(this.over5 + (tail > 5 ? tail : 0)) };
  }
}

const post = (session: Session, method: string, params?: object): Promise<unknown> =>
  new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

async function measure(path: string, ids: string[], build: Build): Promise<Swap[]> {
  const config = loadConfig({
    env: {},
    overrides: { 'store.url': `sqlite:${path}`, 'serving.annMinItems': 1, 'serving.refreshIntervalSeconds': 0 },
  });
  // As `curio serve` opens it (src/serve/server.ts): reads of large rows go to the background connection.
  const store = await openStore(config.store.url, { backgroundCheckpoints: true, backgroundWrites: true });
  const manager = new SnapshotManager({
    config,
    store,
    models: async () => null,
    warn: (m, e) => line(`warning: ${m}: ${String(e)}`),
    annBuild: build,
  });
  await manager.start();
  const probe = new StallProbe();
  const swaps: Swap[] = [];
  const session = PROFILE_DIR ? new Session() : null;
  if (session) {
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
    await post(session, 'Profiler.start');
  }
  const seen = new Set<string>();
  for (let k = 0; k < SWAPS; k++) {
    const id = ids[k % ids.length];
    const version = (await store.getModelVersion(id))!;
    await new Promise((resolve) => setTimeout(resolve, 200));
    probe.start();
    const started = performance.now();
    const loaded = await loadVersion(store, version);
    const loadedAt = performance.now();
    const { version: _v, ...served } = loaded;
    await manager.useModel({ ...served, source: 'loaded', versionId: version.id });
    const done = performance.now();
    const stalls = probe.stop();
    if (manager.snapshot.info.versionId !== id) throw new Error(`swap to ${id} did not take`);
    swaps.push({
      to: id,
      graph: seen.has(id) ? 'kept' : 'built',
      loadMs: round(loadedAt - started),
      useMs: round(done - loadedAt),
      ...stalls,
    });
    seen.add(id);
    line(
      `${build}: swap ${k + 1} to ${id.slice(-6)} (${swaps.at(-1)!.graph}): load ${swaps.at(-1)!.loadMs} ms, use ${swaps.at(-1)!.useMs} ms, longest stall ${stalls.maxStallMs} ms`,
    );
  }
  if (session && PROFILE_DIR) {
    const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown };
    mkdirSync(PROFILE_DIR, { recursive: true });
    writeFileSync(join(PROFILE_DIR, `swaps-${ids.length}-${build}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
  await manager.stop();
  await store.close();
  return swaps;
}

const inChild = <T>(args: string[]): Promise<T> => runFileInChild<T>(SELF, [...args, ...process.argv.slice(2)]);

function summary(swaps: Swap[]) {
  const of = (graph: Swap['graph']) => swaps.filter((s) => s.graph === graph);
  const side = (graph: Swap['graph']) => ({
    swaps: of(graph).length,
    medianMaxStallMs: round(median(of(graph).map((s) => s.maxStallMs))),
    worstStallMs: round(Math.max(...of(graph).map((s) => s.maxStallMs))),
    medianStallOver5MsTotalMs: round(median(of(graph).map((s) => s.stallOver5MsTotalMs))),
    medianSwapMs: round(median(of(graph).map((s) => s.loadMs + s.useMs))),
  });
  return { graphBuilt: side('built'), graphKept: side('kept') };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'curio-swap-'));
  const path = join(dir, 'shop.db');
  try {
    const loadBefore = loadavg();
    line('building the 50,000-item shop');
    const shop = await buildInChild(path);
    line('training two curio-seq versions');
    const versions = await inChild<TrainedVersions>(['--train', path]);
    // curio-seq has an HNSW graph to build (where: the two ways); transition has none.
    const runs: Array<{ model: string; build: Build }> = [
      ...BUILDS.map((build) => ({ model: 'curio-seq', build })),
      { model: 'transition', build: 'thread' },
    ];
    const modes: Record<string, { model: string; build: Build; swaps: Swap[]; summary: ReturnType<typeof summary> }> = {};
    for (const { model, build } of runs) {
      const ids = versions.versions.filter((v) => v.model === model).map((v) => v.id);
      const swaps = await inChild<Swap[]>(['--measure', path, '--build', build, '--ids', ids.join(',')]);
      modes[`${model}/${build}`] = { model, build, swaps, summary: summary(swaps) };
    }
    const seqBuilt = (build: Build) => modes[`curio-seq/${build}`].summary.graphBuilt.medianMaxStallMs;
    const result = {
      bench: 'swap-stall',
      date: new Date().toISOString(),
      machine: machineInfo(loadBefore),
      settings: {
        shop,
        versionParams: VERSION_PARAMS,
        versionMaxSeconds: VERSION_MAX_SECONDS,
        swaps: SWAPS,
        probe: '1 ms timer on the request thread',
      },
      versions: versions.versions,
      modes,
      ratio: { curioSeqGraphBuiltMaxStallHereOverThread: round(seqBuilt('here') / seqBuilt('thread'), 2) },
    };
    mkdirSync(join(OUT, '..'), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
    for (const [name, m] of Object.entries(modes)) {
      const { graphBuilt: b, graphKept: k } = m.summary;
      console.log(
        `${name}: first swap to a version: longest stall median ${b.medianMaxStallMs} ms; later swaps: ${k.medianMaxStallMs} ms (worst ${k.worstStallMs})`,
      );
    }
    console.log(`wrote ${OUT}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--train')) {
  const path = argValue('train')!;
  const seq = await trainServingVersions(path, { params: VERSION_PARAMS, maxTrainSeconds: VERSION_MAX_SECONDS });
  const transition = await trainServingVersions(path, { model: 'transition', params: {}, maxTrainSeconds: VERSION_MAX_SECONDS });
  console.log(JSON.stringify({ ...seq, versions: [...seq.versions, ...transition.versions] }));
} else if (process.argv.includes('--measure')) {
  console.log(JSON.stringify(await measure(argValue('measure')!, argValue('ids')!.split(','), argValue('build') as Build)));
  process.exit(0);
} else {
  await main();
}
