/**
 * Benchmark: one SASRec training step built with src/nn, against the same model in PyTorch
 * (../shared/bench/sasrec_step_torch.py beside the repository, or $CURIO_TORCH_SCRIPT), interleaved in one run.
 * Writes bench/results/nn.json.
 *
 *   node --import tsx bench/nn.ts [--threads 1,2] [--rounds R] [--steps S] [--only 3700-bce] [--ours-only]
 *     [--backend js|native]
 * Defaults: threads "1,<machine threads>", 3 rounds of 5 timed steps (3 for full softmax) after 3 warm-up steps.
 * Rounds alternate ours and PyTorch; step_ms and torch_step_ms are medians over rounds of per-round
 * medians, ratio_vs_torch the median of the per-round ratios.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { createRng } from '../src/core/index.js';
import {
  Adam,
  backendName,
  backward,
  bceWithLogits,
  crossEntropy,
  getThreads,
  gatherDot,
  kernels,
  matmul,
  reshape,
  SasrecEncoder,
  scale,
  setThreads,
  add,
  tidy,
  useBackend,
  type Tensor,
} from '../src/nn/index.js';
import { besideRepo, portablePath } from './datasets.js';

const B = 128;
const L = 200;
const D = 64;
const TORCH_SCRIPT = process.env.CURIO_TORCH_SCRIPT ?? besideRepo('../shared/bench/sasrec_step_torch.py');
const PYTHON = process.env.CURIO_TORCH_PYTHON ?? '/usr/bin/python3';

type Mode = 'bce' | 'softmax';
interface Config {
  vocab: number;
  mode: Mode;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The torch script's model, data and loss, built with src/nn; returns a function running one step. */
function buildStep(cfg: Config): () => number {
  const rng = createRng(0);
  const enc = new SasrecEncoder({ rng, numItems: cfg.vocab, maxLen: L, dim: D, blocks: 2, heads: 1, ffnDim: D });
  const opt = new Adam(enc.parameters(), { learningRate: 1e-3 });
  const data = createRng(1);
  const ids = () => Int32Array.from({ length: B * L }, () => 1 + data.int(cfg.vocab));
  const seq = ids();
  const pos = ids();
  const neg = ids();
  const valid = Float32Array.from(pos, (p) => (p > 0 ? 1 : 0));
  const validCount = valid.reduce((s, v) => s + v, 0);
  return () =>
    tidy(() => {
      const f = enc.forward(seq);
      let loss: Tensor;
      if (cfg.mode === 'bce') {
        const pl = gatherDot(f, enc.items.weight, pos);
        const nl = gatherDot(f, enc.items.weight, neg);
        const both = add(
          bceWithLogits(pl, 1, { weights: valid, reduction: 'sum' }),
          bceWithLogits(nl, 0, { weights: valid, reduction: 'sum' }),
        );
        loss = scale(both, 1 / validCount);
      } else {
        const logits = matmul(reshape(f, [B * L, D]), enc.items.weight, { transB: true });
        loss = crossEntropy(logits, pos);
      }
      backward(loss);
      opt.step();
      return loss.item();
    });
}

function timeOurs(cfg: Config, steps: number, warmup = 3): number[] {
  const step = buildStep(cfg);
  for (let i = 0; i < warmup; i++) step();
  const ts: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    step();
    ts.push(performance.now() - t);
  }
  return ts;
}

function timeTorch(cfg: Config, threads: number, steps: number): number | null {
  const run = spawnSync(PYTHON, [TORCH_SCRIPT, String(threads), String(cfg.vocab), cfg.mode, String(steps)], { encoding: 'utf8' });
  const line = run.stdout?.trim().split('\n').pop();
  if (run.status !== 0 || !line) {
    console.error(`torch run failed: ${run.stderr?.slice(-300) ?? run.error?.message}`);
    return null;
  }
  return (JSON.parse(line) as { median_ms: number }).median_ms;
}

/** Best-of sgemm throughput on a square product, in GFLOP/s. */
function gemmGflops(n = 1024, reps = 5): number {
  const a = new Float32Array(n * n).fill(0.5);
  const b = new Float32Array(n * n).fill(0.25);
  const c = new Float32Array(n * n);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    kernels().gemm({
      transA: false,
      transB: false,
      m: n,
      n,
      k: n,
      alpha: 1,
      a,
      lda: n,
      b,
      ldb: n,
      beta: 0,
      c,
      ldc: n,
      batch: 1,
      strideA: 0,
      strideB: 0,
      strideC: 0,
    });
    best = Math.min(best, performance.now() - t);
  }
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

interface Row {
  vocab: number;
  mode: Mode;
  threads: number;
  backend: string;
  step_ms: number;
  torch_step_ms: number | null;
  ratio_vs_torch: number | null;
  gemm_gflops: number;
  rounds: number;
}

function runConfig(cfg: Config, threads: number, o: { rounds: number; steps: number; oursOnly: boolean }): Row {
  setThreads(threads);
  const gflops = gemmGflops();
  const steps = cfg.mode === 'softmax' ? Math.max(2, o.steps - 2) : o.steps;
  const ours: number[] = [];
  const torch: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const mine = median(timeOurs(cfg, steps));
    ours.push(mine);
    const theirs = o.oursOnly ? null : timeTorch(cfg, threads, steps);
    if (theirs !== null) {
      torch.push(theirs);
      ratios.push(mine / theirs);
    }
    console.log(`${cfg.vocab} ${cfg.mode} threads ${threads} round ${r + 1}: ours ${mine.toFixed(1)} ms, torch ${theirs ?? '-'} ms`);
  }
  return {
    vocab: cfg.vocab,
    mode: cfg.mode,
    threads,
    backend: backendName(),
    step_ms: +median(ours).toFixed(1),
    torch_step_ms: torch.length ? +median(torch).toFixed(1) : null,
    ratio_vs_torch: ratios.length ? +median(ratios).toFixed(3) : null,
    gemm_gflops: +gflops.toFixed(1),
    rounds: o.rounds,
  };
}

function main(): void {
  const machine = getThreads();
  const threadList = [...new Set(arg('threads', `1,${machine}`).split(',').map(Number))];
  const opts = { rounds: Number(arg('rounds', '3')), steps: Number(arg('steps', '5')), oursOnly: process.argv.includes('--ours-only') };
  if (!opts.oursOnly && !existsSync(TORCH_SCRIPT)) {
    throw new Error(
      `${TORCH_SCRIPT} not found: set CURIO_TORCH_SCRIPT to sasrec_step_torch.py (default ../shared/bench/ beside the repository), or pass --ours-only`,
    );
  }
  useBackend(arg('backend', 'native') as 'js' | 'native');
  const configs: Config[] = [
    { vocab: 3700, mode: 'bce' },
    { vocab: 50000, mode: 'bce' },
    { vocab: 3700, mode: 'softmax' },
  ];
  const only = arg('only', '');
  const loadBefore = loadavg();
  const results: Row[] = [];
  for (const threads of threadList) {
    for (const cfg of configs.filter((c) => !only || `${c.vocab}-${c.mode}` === only)) {
      const row = runConfig(cfg, threads, opts);
      console.log(JSON.stringify(row));
      results.push(row);
    }
  }
  if (opts.oursOnly) return;
  mkdirSync('bench/results', { recursive: true });
  const machineInfo = { cpu: cpus()[0]?.model, cores: availableParallelism(), load_avg_before: loadBefore, load_avg_after: loadavg() };
  const model = { batch: B, seq_len: L, dim: D, blocks: 2, heads: 1, optimizer: 'adam lr 1e-3', torch_script: portablePath(TORCH_SCRIPT) };
  writeFileSync(
    'bench/results/nn.json',
    `${JSON.stringify({ date: new Date().toISOString(), machine: machineInfo, model, results }, null, 2)}\n`,
  );
  console.log('wrote bench/results/nn.json');
}

main();
