/**
 * The mini-batch training loop of the sequential transformers: seeded epochs, AdamW, per-batch progress,
 * early stopping on the harness's validation callback (best weights kept), checkpoint after every epoch
 * and resume from it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRng, CurioError } from '../core/index.js';
import { AdamW, backward, decodeTensors, encodeTensors, tensor, tidy, type Tensor } from '../nn/index.js';
import { assertFiniteLoss } from './define-model.js';
import type { EpochReport, FitOptions, Recommender } from './recommender.js';
import { epochBatches, packBatch, type SeqBatch, type SeqWindows } from './seq-data.js';
import type { SeqNet } from './seq-net.js';

export interface TrainLoopArgs {
  id: string;
  net: SeqNet;
  windows: SeqWindows;
  batchSize: number;
  epochs: number;
  learningRate: number;
  weightDecay: number;
  /**
   * Multiplies the learning rate after each validation that does not improve on the best (1 = constant).
   * Smaller steps once validation stalls let the run settle into the optimum it is circling.
   */
  plateauDecay?: number;
  /**
   * > 0: validate and keep an exponential moving average of the weights (this decay per step, warmed up
   * over the first steps as min(decay, (1 + t) / (10 + t))) instead of the last step's weights. The average
   * smooths the step-to-step noise of the minibatches out of the weights a run keeps.
   */
  averaging?: number;
  options: FitOptions;
  lossOf: (b: SeqBatch) => Tensor;
  model: () => Recommender;
}

interface LoopState {
  epoch: number;
  best: number;
  waited: number;
  bestWeights: Float32Array[] | null;
  /** The averaged weights (with `averaging`), updated after every step. */
  average: Float32Array[] | null;
}

/** Trains `net` in place; returns the epochs run and the best validation score (null without validation). */
export function trainLoop(a: TrainLoopArgs): { epochsRun: number; bestValidation: number | null } {
  const params = a.net.parameters();
  const opt = new AdamW(params, { learningRate: a.learningRate, weightDecay: a.weightDecay });
  const o = a.options;
  const st: LoopState = {
    epoch: 0,
    best: Number.NEGATIVE_INFINITY,
    waited: 0,
    bestWeights: null,
    average: a.averaging ? params.map((p) => p.data.slice()) : null,
  };
  if (o.checkpointPath && existsSync(o.checkpointPath)) resume(o.checkpointPath, a.net, opt, st);
  const every = o.validateEveryEpochs ?? 1;
  const patience = o.patience ?? 3;
  const loopStarted = performance.now();
  while (st.epoch < a.epochs) {
    const started = performance.now();
    const loss = runEpoch(a, params, opt, st);
    const report: EpochReport = { epoch: st.epoch, epochs: a.epochs, loss, seconds: (performance.now() - started) / 1000 };
    st.epoch++;
    const outOfTime = o.maxTrainSeconds !== undefined && (performance.now() - loopStarted) / 1000 > o.maxTrainSeconds;
    let stop = outOfTime;
    if (o.validate && (st.epoch % every === 0 || st.epoch === a.epochs || outOfTime)) {
      a.net.eval();
      // With averaging, the average is what is validated (and kept); training goes on from the raw weights.
      const raw = st.average ? swapIn(params, st.average) : null;
      const score = o.validate(a.model());
      report.validation = score;
      const improved = score > st.best;
      if (improved) st.bestWeights = params.map((p) => p.data.slice());
      if (raw) setWeights(params, raw);
      if (improved) {
        st.best = score;
        st.waited = 0;
      } else {
        stop ||= ++st.waited >= patience;
        opt.learningRate *= a.plateauDecay ?? 1;
      }
    }
    o.onProgress?.(report);
    if (o.checkpointPath) checkpoint(o.checkpointPath, a.net, opt, st);
    if (stop) break;
  }
  if (st.bestWeights) setWeights(params, st.bestWeights);
  else if (st.average) setWeights(params, st.average); // no validation: the average is the result
  a.net.eval();
  return { epochsRun: st.epoch, bestValidation: o.validate ? st.best : null };
}

function setWeights(params: readonly Tensor[], weights: readonly Float32Array[]): void {
  params.forEach((p, k) => p.data.set(weights[k]));
}

/** Puts `weights` into the parameters and returns what they held. */
function swapIn(params: readonly Tensor[], weights: readonly Float32Array[]): Float32Array[] {
  const held = params.map((p) => p.data.slice());
  setWeights(params, weights);
  return held;
}

/** One step of the moving average toward the current weights. */
function updateAverage(params: readonly Tensor[], average: Float32Array[], decay: number, step: number): void {
  const d = Math.min(decay, (1 + step) / (10 + step));
  const w = 1 - d;
  params.forEach((p, k) => {
    const avg = average[k];
    const x = p.data;
    for (let i = 0; i < x.length; i++) avg[i] += w * (x[i] - avg[i]);
  });
}

function runEpoch(a: TrainLoopArgs, params: readonly Tensor[], opt: AdamW, st: LoopState): number {
  const epoch = st.epoch;
  a.net.train();
  // One stream per epoch, so a resumed run shuffles as an uninterrupted one would.
  const rng = createRng((a.options.seed * 7919 + epoch * 104729) | 0);
  const batches = epochBatches(a.windows, a.batchSize, rng, !a.net.fixedLength);
  let total = 0;
  let sequences = 0;
  batches.forEach((ids, k) => {
    let len = a.net.maxLen;
    if (!a.net.fixedLength) {
      len = 1;
      for (const i of ids) len = Math.max(len, a.windows.ends[i] - a.windows.starts[i]);
      len = Math.min(len, a.net.maxLen);
    }
    const b = packBatch(a.windows, ids, len, a.net.fromOldest);
    const loss = tidy(() => {
      const l = a.lossOf(b);
      backward(l);
      opt.step();
      return l.item();
    });
    if (st.average) updateAverage(params, st.average, a.averaging!, opt.stepCount);
    assertFiniteLoss(a.id, epoch, loss);
    total += loss;
    sequences += ids.length;
    a.options.onBatch?.({ epoch, epochs: a.epochs, batch: k + 1, batches: batches.length, sequences, loss: total / (k + 1) });
  });
  return total / Math.max(1, batches.length);
}

/** Weights, optimiser moments, best weights and counters in one tensor file (written atomically). */
function checkpoint(path: string, net: SeqNet, opt: AdamW, st: LoopState): void {
  const tensors = new Map<string, Tensor>();
  const named = net.namedParameters();
  const moments = opt.state();
  named.forEach(([name, p], k) => {
    tensors.set(`w/${name}`, p);
    tensors.set(`m/${name}`, tensor(moments[k].m, p.shape));
    tensors.set(`v/${name}`, tensor(moments[k].v, p.shape));
    if (st.bestWeights) tensors.set(`b/${name}`, tensor(st.bestWeights[k], p.shape));
    if (st.average) tensors.set(`a/${name}`, tensor(st.average[k], p.shape));
  });
  const meta = {
    epoch: st.epoch,
    best: Number.isFinite(st.best) ? st.best : null,
    waited: st.waited,
    step: opt.stepCount,
    learningRate: opt.learningRate,
  };
  writeFileSync(`${path}.tmp`, encodeTensors(tensors, meta));
  renameSync(`${path}.tmp`, path);
}

function resume(path: string, net: SeqNet, opt: AdamW, st: LoopState): void {
  const { tensors, meta } = decodeTensors(readFileSync(path));
  const named = net.namedParameters();
  const moments = opt.state();
  const get = (key: string, size: number): Float32Array => {
    const t = tensors.get(key);
    if (!t || t.size !== size)
      throw new CurioError('BAD_INPUT', `checkpoint ${path} does not fit this model (${key}); delete it to start over`);
    return t.data;
  };
  named.forEach(([name, p], k) => {
    p.data.set(get(`w/${name}`, p.size));
    moments[k].m.set(get(`m/${name}`, p.size));
    moments[k].v.set(get(`v/${name}`, p.size));
  });
  const hasBest = tensors.has(`b/${named[0][0]}`);
  st.bestWeights = hasBest ? named.map(([name, p]) => get(`b/${name}`, p.size).slice()) : null;
  // A checkpoint from a run without averaging starts the average at its weights.
  if (st.average && tensors.has(`a/${named[0][0]}`)) st.average = named.map(([name, p]) => get(`a/${name}`, p.size).slice());
  else if (st.average) st.average = named.map(([, p]) => p.data.slice());
  st.epoch = Number(meta.epoch);
  st.best = meta.best === null ? Number.NEGATIVE_INFINITY : Number(meta.best);
  st.waited = Number(meta.waited);
  opt.stepCount = Number(meta.step);
  // Checkpoints written before the plateau decay existed carry no rate: the configured one stands.
  if (meta.learningRate !== undefined) opt.learningRate = Number(meta.learningRate);
}
