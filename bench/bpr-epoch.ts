/**
 * BPR epoch speed: one epoch = sampling 1M (user, positive, negative) triples from the Amazon Beauty
 * user-item matrix + 1M fused SGD steps at d = 64, on one core, with the exact function the `bpr` model
 * trains with (`bprEpoch` in src/models/bpr-sgd.ts). Target ≤ 1 s (the PyTorch reference: docs/benchmarks.md).
 * Prints the median of the timed runs (after one warm-up) and writes bench/results/bpr-epoch.json.
 *
 *   node --import tsx bench/bpr-epoch.ts [--runs 7] [--pairs 1000000] [--dim 64]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createRng } from '../src/core/index.js';
import { readDataset, userItemMatrix } from '../src/data/index.js';
import { bprEpoch, rowOfEntry, sampleTriples, sgdPass, tripleBuffers } from '../src/models/bpr-sgd.js';
import { initFactors } from '../src/models/factors.js';
import { datasetPath } from './datasets.js';

const DATA = datasetPath('amazon-s3rec', 'Beauty.txt');
const OUT = 'bench/results/bpr-epoch.json';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    pairs: { type: 'string', default: '1000000' },
    dim: { type: 'string', default: '64' },
  },
});

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function main(): void {
  const runs = Number(args.runs);
  const pairs = Number(args.pairs);
  const dim = Number(args.dim);
  const m = userItemMatrix(readDataset(DATA));
  const rows = rowOfEntry(m);
  const rng = createRng(1);
  const state = {
    userFactors: initFactors(rng, m.nRows, dim, 0.01),
    itemFactors: initFactors(rng, m.nCols, dim, 0.01),
    itemBias: new Float32Array(m.nCols),
  };
  const step = { factors: dim, learningRate: 0.05, regularization: 0.001 };
  const buf = tripleBuffers(pairs);
  const load = loadavg();
  bprEpoch(m, rows, state, { step, rng, buf }); // warm-up: JIT and page-in
  const epoch: number[] = [];
  const epochCpu: number[] = [];
  const sampling: number[] = [];
  const sgd: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    bprEpoch(m, rows, state, { step, rng, buf });
    epoch.push((performance.now() - t0) / 1000);
    epochCpu.push(process.cpuUsage(c0).user / 1e6);
    // The two passes alone, to show where the time goes.
    const t1 = performance.now();
    sampleTriples(m, rows, buf, rng.int(4294967296));
    const t2 = performance.now();
    sgdPass(m, rows, state, buf, step);
    sampling.push((t2 - t1) / 1000);
    sgd.push((performance.now() - t2) / 1000);
  }
  const loadAfter = loadavg();
  const result = {
    epoch_s: Number(median(epoch).toFixed(4)),
    // CPU time of this thread's process: what the epoch costs when it is not waiting for a core.
    epoch_cpu_s: Number(median(epochCpu).toFixed(4)),
    sampling_s: Number(median(sampling).toFixed(4)),
    sgd_s: Number(median(sgd).toFixed(4)),
    runs_s: epoch.map((s) => Number(s.toFixed(4))),
    pairs,
    dim,
    threads: 1,
    load_average_1m: Number(load[0].toFixed(2)),
    load_average_1m_after: Number(loadAfter[0].toFixed(2)),
    target_s: 1,
    torch_reference_s: '0.43–0.70',
    node: process.version,
    measured: new Date().toISOString(),
  };
  console.log(
    `BPR epoch, ${pairs} triples, d=${dim}, one core: median ${result.epoch_s.toFixed(3)} s wall, ${result.epoch_cpu_s.toFixed(3)} s CPU (sampling ${result.sampling_s.toFixed(3)} s + SGD ${result.sgd_s.toFixed(3)} s); runs ${result.runs_s.join(', ')}; load average ${result.load_average_1m} → ${result.load_average_1m_after}`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
}

main();
