/**
 * Resident memory across model swaps: a serving process (SnapshotManager, as `curio serve` runs it) on the
 * 50,000-item bench shop swaps to a new curio-seq version --swaps times (one trained artifact registered
 * again under a new id each time, so every swap loads, checks and installs a version it has not seen, as
 * a running shop's trainer makes them), and records the process's anonymous RSS after each. Two allocator
 * settings, each in fresh processes, alternating run by run: glibc as it comes, and the serving process's
 * own (`steadyAllocator`: the mmap threshold fixed, a trim after each swap, where `curio serve` trims every
 * 30 s). The summary per setting: the median anonymous RSS over the last third of the swaps, and the
 * growth per swap over the last two thirds (least squares).
 * Run: npm run bench:swap-memory [-- --swaps 30 --runs 2 --out bench/results/swap-memory.json]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { argValue, buildInChild, machineInfo, median, runFileInChild } from './serve-shared.js';
import { trainServingVersions, type TrainedVersions } from './serve-versions.js';
import { loadConfig } from '../src/core/index.js';
import { steadyAllocator } from '../src/nn/index.js';
import { SnapshotManager } from '../src/recommend/snapshot-manager.js';
import { openStore } from '../src/store/index.js';
import { loadVersion } from '../src/train/index.js';

const SELF = new URL(import.meta.url).pathname;
const SWAPS = Number(argValue('swaps') ?? 30);
const RUNS = Number(argValue('runs') ?? 2);
const OUT = argValue('out') ?? 'bench/results/swap-memory.json';
const VERSION_PARAMS = { dim: 32, blocks: 2, heads: 2, maxLen: 50, epochs: 1, loss: 'sampled' };
const ALLOCATORS = ['glibc-default', 'steady'] as const;
type AllocatorSetting = (typeof ALLOCATORS)[number];

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
const line = (text: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);

/** This process's anonymous resident memory in MiB (Linux). */
function rssAnonMb(): number {
  const kb = /RssAnon:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!kb) throw new Error('no RssAnon in /proc/self/status (Linux only)');
  return Number(kb[1]) / 1024;
}

async function measure(path: string, versionId: string, setting: AllocatorSetting): Promise<number[]> {
  const allocator = setting === 'steady' ? steadyAllocator() : null;
  if (setting === 'steady' && !allocator) throw new Error('the steady allocator needs the native addon on glibc');
  const config = loadConfig({ env: {}, overrides: { 'store.url': `sqlite:${path}`, 'serving.refreshIntervalSeconds': 0 } });
  const store = await openStore(config.store.url, { backgroundCheckpoints: true, backgroundWrites: true });
  const manager = new SnapshotManager({ config, store, models: async () => null, warn: (m, e) => line(`warning: ${m}: ${String(e)}`) });
  await manager.start();
  const base = (await store.getModelVersion(versionId))!;
  const bytes = (await store.modelArtifact(versionId))!;
  const series: number[] = [];
  for (let k = 0; k < SWAPS; k++) {
    const id = `${versionId}-again-${process.pid}-${k}`;
    await store.addModelVersion({ ...base, id, state: 'candidate', promotedAt: null }, bytes);
    const { version: _v, ...served } = await loadVersion(store, (await store.getModelVersion(id))!);
    await manager.useModel({ ...served, source: 'loaded', versionId: id });
    await new Promise((resolve) => setTimeout(resolve, 500));
    allocator?.trim();
    series.push(round(rssAnonMb()));
  }
  await manager.stop();
  await store.close();
  return series;
}

/** Least-squares slope of ys against their index. */
function slope(ys: number[]): number {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'curio-swap-memory-'));
  const path = join(dir, 'shop.db');
  try {
    const loadBefore = loadavg();
    line('building the 50,000-item shop');
    const shop = await buildInChild(path);
    line('training a curio-seq version');
    const trained = await runFileInChild<TrainedVersions>(SELF, ['--train', path]);
    const versionId = trained.versions[0].id;
    const runs: Array<{ allocator: AllocatorSetting; rssAnonMbPerSwap: number[] }> = [];
    for (let r = 0; r < RUNS; r++) {
      for (const allocator of r % 2 ? [...ALLOCATORS].reverse() : ALLOCATORS) {
        const copy = join(dir, `run-${r}-${allocator}.db`);
        writeFileSync(copy, readFileSync(path));
        const series = await runFileInChild<number[]>(SELF, [
          '--measure',
          copy,
          '--version',
          versionId,
          '--allocator',
          allocator,
          '--swaps',
          String(SWAPS),
        ]);
        rmSync(copy, { force: true });
        line(`${allocator} run ${r + 1}: anonymous RSS ${series[0]} → ${series.at(-1)} MB over ${SWAPS} swaps`);
        runs.push({ allocator, rssAnonMbPerSwap: series });
      }
    }
    const summary = Object.fromEntries(
      ALLOCATORS.map((allocator) => {
        const mine = runs.filter((r) => r.allocator === allocator).map((r) => r.rssAnonMbPerSwap);
        return [
          allocator,
          {
            medianRssAnonMbLastThird: round(median(mine.flatMap((s) => s.slice(Math.floor((2 * s.length) / 3))))),
            medianGrowthMbPerSwapAfterFirstThird: round(median(mine.map((s) => slope(s.slice(Math.floor(s.length / 3))))), 2),
          },
        ];
      }),
    );
    const result = {
      bench: 'swap-memory',
      date: new Date().toISOString(),
      machine: machineInfo(loadBefore),
      settings: { shop, version: trained.versions[0], swaps: SWAPS, runs: RUNS, settleMs: 500 },
      summary,
      runs,
    };
    mkdirSync(join(OUT, '..'), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
    for (const [name, s] of Object.entries(summary)) {
      console.log(
        `${name}: anonymous RSS over the last third ${s.medianRssAnonMbLastThird} MB, growth ${s.medianGrowthMbPerSwapAfterFirstThird} MB per swap`,
      );
    }
    console.log(`wrote ${OUT}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--train')) {
  console.log(JSON.stringify(await trainServingVersions(argValue('train')!, { params: VERSION_PARAMS, maxTrainSeconds: 60 })));
} else if (process.argv.includes('--measure')) {
  const series = await measure(argValue('measure')!, argValue('version')!, argValue('allocator') as AllocatorSetting);
  console.log(JSON.stringify(series));
  process.exit(0);
} else {
  await main();
}
