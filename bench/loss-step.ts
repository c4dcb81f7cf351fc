/**
 * Benchmark: one training step of a SASRec-sized encoder with the full softmax over the catalogue, the loss
 * built two ways and timed in alternating rounds of one process — as separate ops (`matmul` then
 * `crossEntropy`: the [positions, items] logits held whole) and fused (`linearCrossEntropy`, in chunks).
 * Writes bench/results/loss-step.json.
 *
 *   node --import tsx bench/loss-step.ts [--items 12101] [--rounds 5] [--steps 4]
 * Defaults: Beauty's catalogue, batch 128 × 50 positions, dim 64; each round times `--steps` steps of each
 * way after one warm-up step; step_ms is the median over rounds of per-round medians, `ratio` the median of
 * the per-round ratios (fused / separate).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createRng } from '../src/core/index.js';
import { Adam, backward, crossEntropy, linearCrossEntropy, matmul, reshape, SasrecEncoder, tidy, type Tensor } from '../src/nn/index.js';

const B = 128;
const L = 50;
const D = 64;

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '12101' },
    rounds: { type: 'string', default: '5' },
    steps: { type: 'string', default: '4' },
  },
});

type Way = 'separate' | 'fused';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function buildStep(items: number, way: Way): () => void {
  const enc = new SasrecEncoder({ rng: createRng(0), numItems: items, maxLen: L, dim: D, blocks: 2, heads: 1, ffnDim: D });
  const opt = new Adam(enc.parameters(), { learningRate: 1e-3 });
  const data = createRng(1);
  const seq = Int32Array.from({ length: B * L }, () => 1 + data.int(items));
  const targets = Int32Array.from({ length: B * L }, () => 1 + data.int(items));
  return () =>
    tidy(() => {
      const h = reshape(enc.forward(seq), [B * L, D]);
      const table = enc.items.weight;
      const loss: Tensor =
        way === 'fused' ? linearCrossEntropy(h, table, targets) : crossEntropy(matmul(h, table, { transB: true }), targets);
      backward(loss);
      opt.step();
    });
}

function time(step: () => void, steps: number): number {
  step(); // warm-up: the pool fills, the JIT settles
  const ts: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    step();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

function main(): void {
  const items = Number(args.items);
  const rounds = Number(args.rounds);
  const steps = Number(args.steps);
  const load = [loadavg()[0]];
  const steppers: Record<Way, () => void> = { separate: buildStep(items, 'separate'), fused: buildStep(items, 'fused') };
  const ms: Record<Way, number[]> = { separate: [], fused: [] };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which way goes first, so neither always runs on a warmer or cooler machine.
    const order: Way[] = r % 2 ? ['fused', 'separate'] : ['separate', 'fused'];
    for (const way of order) ms[way].push(time(steppers[way], steps));
    ratios.push(ms.fused[r] / ms.separate[r]);
    load.push(loadavg()[0]);
    console.log(`round ${r + 1}/${rounds}: separate ${ms.separate[r].toFixed(0)} ms, fused ${ms.fused[r].toFixed(0)} ms`);
  }
  const logitsMb = (B * L * items * 4) / 1e6;
  const result = {
    date: new Date().toISOString(),
    setup: { batch: B, positions: L, dim: D, items, blocks: 2, rounds, stepsPerRound: steps, cores: availableParallelism() },
    step_ms: { separate: Number(median(ms.separate).toFixed(1)), fused: Number(median(ms.fused).toFixed(1)) },
    ratio_fused_over_separate: Number(median(ratios).toFixed(3)),
    // What the separate way holds per step besides the model: the logits, kept for backward, and their gradient.
    logits_mb: Number(logitsMb.toFixed(1)),
    mean_load: Number((load.reduce((a, b) => a + b, 0) / load.length).toFixed(2)),
  };
  console.log(JSON.stringify(result));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/loss-step.json', `${JSON.stringify(result, null, 2)}\n`);
  console.log('wrote bench/results/loss-step.json');
}

main();
