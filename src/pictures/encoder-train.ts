/**
 * Training the image encoder: category classification (plus a multi-label tag head when the pictures' items
 * have tags: the sum of the two losses) with AdamW, a short warm-up then cosine learning rate, a moving
 * average of the weights (kept instead of the live ones when it validates better),
 * random shifts and mirror images as augmentation, early stopping on a held-out validation split (the
 * best epoch's weights are kept). Seeded: the same seed, data and thread count give the same weights.
 */
import { z } from 'zod';
import { CurioError, createRng, parseOrThrow, type Progress, type Rng } from '../core/index.js';
import { trainWithEarlyStopping } from '../models/early-stopping.js';
import { AdamW, Tensor, add, backward, bceWithLogits, crossEntropy, tidy } from '../nn/index.js';
import type { ImageEncoder, LabelledImages, PictureTags } from './encoder.js';
import { CnnImageEncoder } from './encoder-cnn.js';
import { ImageCnn, type ImageCnnConfig } from './encoder-net.js';

export const ImageEncoderParamsSchema = z
  .object({
    widths: z
      .tuple([z.number().int().min(1).max(512), z.number().int().min(1).max(512)])
      .default([32, 64])
      .describe('Channels of the two convolution stages (two 3×3 convolutions each, then a 2×2 max pool).'),
    dim: z.number().int().min(2).max(2048).default(128).describe('Embedding length (the penultimate layer).'),
    dropoutRate: z.number().min(0).max(0.9).default(0.3).describe('Dropout on the embedding while training.'),
    epochs: z.number().int().min(1).max(1000).default(12).describe('Most epochs; the learning-rate schedule spans them.'),
    batchSize: z.number().int().min(2).max(4096).default(128).describe('Pictures per step.'),
    learningRate: z.number().positive().max(1).default(3e-3).describe('Peak AdamW step size (after a one-epoch warm-up).'),
    weightDecay: z.number().min(0).max(1).default(5e-4).describe('AdamW decoupled weight decay.'),
    augment: z.boolean().default(true).describe('Random shifts of up to `shiftPixels` and mirror images while training.'),
    shiftPixels: z.number().int().min(0).max(8).default(2).describe('Largest random shift (pixels, each direction).'),
    validationFraction: z.number().min(0).max(0.5).default(0.1).describe('Share of the pictures held out for early stopping.'),
    patience: z.number().int().min(1).max(100).default(4).describe('Validations without gain before stopping.'),
    ema: z
      .number()
      .min(0)
      .max(0.99999)
      .default(0.999)
      .describe(
        'Decay of an exponential moving average of the weights (Polyak averaging); each validation scores the live and the averaged weights and keeps the better. 0 = off.',
      ),
  })
  .strict();
export type ImageEncoderParams = z.output<typeof ImageEncoderParamsSchema>;

/** Reported after each epoch. */
export interface ImageEpochReport {
  epoch: number;
  epochs: number;
  /** Mean training cross-entropy of the epoch. */
  loss: number;
  /** Accuracy on the validation pictures, when there are any (the better of the live and the averaged weights). */
  validationAccuracy?: number;
  /** The averaged weights' accuracy on them, when weights are averaged (`ema` > 0). */
  averagedValidationAccuracy?: number;
  seconds: number;
}

export interface ImageTrainOptions {
  /** Seeds the split, the initial weights, the batch order, augmentation and dropout (default 0). */
  seed?: number;
  /** Validation pictures; default: `validationFraction` of `data`, drawn with the seed. */
  validation?: LabelledImages;
  /** Ticked once per picture trained on, with the running loss. */
  progress?: Progress;
  onEpoch?: (report: ImageEpochReport) => void;
  /**
   * Training time budget: training stops at the first step past it (that epoch is validated), and the
   * learning-rate decay is paced to end there when the budget would run out before the epochs do.
   */
  maxTrainSeconds?: number;
}

/** What a fit gives: the encoder (best validation epoch) and how training went. */
export interface ImageEncoderFit {
  encoder: ImageEncoder;
  epochsRun: number;
  /** Best validation accuracy (null without validation pictures). */
  validationAccuracy: number | null;
  seconds: number;
  /** Pictures that went through a training step, over all epochs. */
  trainedPictures: number;
}

/** The network's shape from the params. */
export function cnnConfig(params: ImageEncoderParams, size: number, classes: number, tags = 0): ImageCnnConfig {
  if (size % 4 !== 0 || size < 4) throw new CurioError('BAD_INPUT', `picture side must be a multiple of 4, got ${size}`);
  return { size, widths: params.widths, dim: params.dim, classes, tags, dropoutRate: params.dropoutRate };
}

/** A picture source for batches: the pictures and labels at chosen indices. */
interface Subset {
  data: LabelledImages;
  indices: Int32Array;
}

/** Trains an encoder on the pictures' categories. BAD_INPUT for invalid params or data. */
export function trainImageEncoder(data: LabelledImages, rawParams: unknown = {}, options: ImageTrainOptions = {}): ImageEncoderFit {
  const params = parseOrThrow(ImageEncoderParamsSchema, rawParams ?? {}, { what: 'image encoder parameters' });
  checkData(data);
  const rng = createRng(options.seed ?? 0);
  const { train, validation } = split(data, params, options, rng);
  if (train.indices.length < 2) throw new CurioError('BAD_INPUT', 'the image encoder needs at least 2 training pictures');
  const tagNames = data.tags?.names ?? [];
  const net = new ImageCnn(cnnConfig(params, data.size, data.labelNames.length, tagNames.length), rng.fork());
  const encoder = new CnnImageEncoder(net, data.labelNames, tagNames);
  const opt = new AdamW(net.parameters(), { learningRate: params.learningRate, weightDecay: params.weightDecay });
  const state = [...net.parameters(), ...net.namedBuffers().map(([, t]) => t)];
  // The running average of every weight and batch-norm statistic, updated after each step.
  const averaged = params.ema > 0 ? state.map((t) => t.data.slice()) : null;
  let averagedSteps = 0;
  let averagedScore: number | undefined;
  let keep: 'live' | 'averaged' = 'live';
  let best: Float32Array[] = [];
  // A batch of one would leave batch norm without a variance: the last, shorter batch is trained on only when it holds ≥ 2 pictures.
  const steps = Math.floor(train.indices.length / params.batchSize) + (train.indices.length % params.batchSize >= 2 ? 1 : 0);
  const schedule = learningRateSchedule(params.learningRate, steps);
  const totalSteps = steps * params.epochs;
  const budget = options.maxTrainSeconds;
  options.progress?.setTotal(params.epochs * train.indices.length);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const stepRng = rng.fork();
  let step = 0;
  let trainedPictures = 0;
  const result = trainWithEarlyStopping<ImageEncoder>({
    epochs: params.epochs,
    options: {
      patience: params.patience,
      validate: validation
        ? (e) => {
            const live = accuracy(e, validation);
            if (!averaged) return live;
            averagedScore = withWeights(state, averaged, () => accuracy(e, validation));
            keep = averagedScore > live ? 'averaged' : 'live';
            return Math.max(live, averagedScore);
          }
        : undefined,
      onProgress: (r) =>
        options.onEpoch?.({
          epoch: r.epoch,
          epochs: r.epochs,
          loss: r.loss,
          validationAccuracy: r.validation,
          ...(r.validation !== undefined && averagedScore !== undefined ? { averagedValidationAccuracy: averagedScore } : {}),
          seconds: r.seconds,
        }),
    },
    runEpoch: () => {
      net.train();
      const order = shuffled(train.indices, stepRng);
      const x = new Float32Array(params.batchSize * data.size * data.size);
      const tagTargets = new Float32Array(params.batchSize * tagNames.length);
      let lossSum = 0;
      let seen = 0;
      for (let s = 0; s < steps && !(s > 0 && budget !== undefined && elapsed() >= budget); s++) {
        const batch = order.subarray(s * params.batchSize, Math.min(order.length, (s + 1) * params.batchSize));
        const n = batch.length;
        const labels = fillBatch(data, batch, x, params, stepRng);
        if (data.tags) fillTags(data.tags, batch, tagTargets);
        // With a time budget the schedule follows whichever runs out first, steps or seconds, so the
        // rate has decayed when the budget ends training on a busy machine (the run is then not
        // bit-reproducible: where it stops depends on the clock).
        const done = budget === undefined ? step / totalSteps : Math.max(step / totalSteps, elapsed() / budget);
        opt.learningRate = schedule(step++, done);
        const loss = tidy(() => {
          const input = new Tensor(x.subarray(0, n * data.size * data.size), [n, data.size, data.size, 1]);
          const out = net.forward(input, stepRng);
          const classes = crossEntropy(out.logits, labels);
          const l = out.tagLogits ? add(classes, bceWithLogits(out.tagLogits, tagTargets.subarray(0, n * tagNames.length))) : classes;
          backward(l);
          opt.step();
          return l.item();
        });
        // The usual warm-up of the decay (TensorFlow's): early on the average follows the weights closely.
        if (averaged) moveAverage(state, averaged, Math.min(params.ema, (1 + averagedSteps) / (10 + averagedSteps++)));
        if (!Number.isFinite(loss)) throw new CurioError('MODEL_FIT', `image encoder: loss became ${loss}; lower the learning rate`);
        lossSum += loss * n;
        seen += n;
        trainedPictures += n;
        options.progress?.tick(n, { loss: loss.toFixed(3) });
      }
      return lossSum / seen;
    },
    model: () => encoder,
    save: () => (best = keep === 'averaged' && averaged ? averaged.map((a) => a.slice()) : state.map((t) => t.data.slice())),
    restore: () => state.forEach((t, i) => t.data.set(best[i])),
    stop: () => options.maxTrainSeconds !== undefined && elapsed() >= options.maxTrainSeconds,
  });
  options.progress?.stop();
  // Without validation there is nothing to choose by: the averaged weights are the better estimate.
  if (!validation && averaged) state.forEach((t, i) => t.data.set(averaged[i]));
  net.eval();
  return { encoder, epochsRun: result.epochsRun, validationAccuracy: result.bestValidation, seconds: elapsed(), trainedPictures };
}

/** average ← decay·average + (1 − decay)·weights, for every tensor of the state. */
function moveAverage(state: readonly Tensor[], averaged: Float32Array[], decay: number): void {
  const rest = 1 - decay;
  state.forEach((t, k) => {
    const w = t.data;
    const a = averaged[k];
    for (let i = 0; i < a.length; i++) a[i] = decay * a[i] + rest * w[i];
  });
}

/** Runs `fn` with the state's values replaced by `values`, and puts the live ones back. */
function withWeights<T>(state: readonly Tensor[], values: Float32Array[], fn: () => T): T {
  const live = state.map((t) => t.data.slice());
  state.forEach((t, i) => t.data.set(values[i]));
  try {
    return fn();
  } finally {
    state.forEach((t, i) => t.data.set(live[i]));
  }
}

/** Share of the pictures whose most probable category is their label. */
export function accuracy(encoder: ImageEncoder, data: Subset | LabelledImages): number {
  const { images, labels } = 'indices' in data ? gather(data) : { images: data.pixels, labels: data.labels };
  const k = encoder.labels.length;
  const probs = encoder.classify(images, labels.length);
  let right = 0;
  for (let r = 0; r < labels.length; r++) {
    let arg = 0;
    for (let j = 1; j < k; j++) if (probs[r * k + j] > probs[r * k + arg]) arg = j;
    if (arg === labels[r]) right++;
  }
  return labels.length === 0 ? 0 : right / labels.length;
}

function checkData(data: LabelledImages): void {
  const side = data.size * data.size;
  if (data.pixels.length !== data.count * side || data.labels.length !== data.count) {
    throw new CurioError('BAD_INPUT', `${data.count} pictures need ${data.count * side} pixels and ${data.count} labels`);
  }
  for (const l of data.labels) {
    if (!(l >= 0 && l < data.labelNames.length))
      throw new CurioError('BAD_INPUT', `label ${l} is not one of ${data.labelNames.length} categories`);
  }
  if (data.tags && data.tags.targets.length !== data.count * data.tags.names.length) {
    throw new CurioError(
      'BAD_INPUT',
      `${data.count} pictures with ${data.tags.names.length} tags need ${data.count * data.tags.names.length} tag targets`,
    );
  }
}

/** The batch's tag targets (0/1) into `out`, row after row. */
function fillTags(tags: PictureTags, batch: Int32Array, out: Float32Array): void {
  const k = tags.names.length;
  for (let b = 0; b < batch.length; b++) {
    for (let j = 0; j < k; j++) out[b * k + j] = tags.targets[batch[b] * k + j];
  }
}

function split(
  data: LabelledImages,
  params: ImageEncoderParams,
  options: ImageTrainOptions,
  rng: Rng,
): { train: Subset; validation: Subset | null } {
  const all = shuffled(
    Int32Array.from({ length: data.count }, (_, i) => i),
    rng,
  );
  if (options.validation) {
    checkData(options.validation);
    const v = options.validation;
    return { train: { data, indices: all }, validation: { data: v, indices: Int32Array.from({ length: v.count }, (_, i) => i) } };
  }
  const held = Math.round(data.count * params.validationFraction);
  if (held === 0) return { train: { data, indices: all }, validation: null };
  return { train: { data, indices: all.subarray(held) }, validation: { data, indices: all.subarray(0, held) } };
}

/** At most this many warm-up steps (a few hundred suffice; a whole long epoch would waste a short budget). */
const WARM_UP_STEPS = 200;

/**
 * Linear warm-up over the first epoch's steps (at most WARM_UP_STEPS), then cosine decay from the peak to 1/1000 of it as the
 * share of training done (`done`, 0..1) runs out.
 */
function learningRateSchedule(peak: number, stepsPerEpoch: number): (step: number, done: number) => number {
  const warm = Math.min(stepsPerEpoch, WARM_UP_STEPS);
  return (step, done) => {
    if (step < warm) return (peak * (step + 1)) / warm;
    return Math.max(peak * 1e-3, 0.5 * peak * (1 + Math.cos(Math.PI * Math.min(1, done))));
  };
}

function shuffled(indices: Int32Array, rng: Rng): Int32Array {
  const out = indices.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** Copies the batch's pictures into x (shifted and mirrored at random when augmenting) and returns their labels. */
function fillBatch(data: LabelledImages, batch: Int32Array, x: Float32Array, params: ImageEncoderParams, rng: Rng): Int32Array {
  const size = data.size;
  const side = size * size;
  const labels = new Int32Array(batch.length);
  const shift = params.augment ? params.shiftPixels : 0;
  for (let b = 0; b < batch.length; b++) {
    const src = batch[b] * side;
    const dst = b * side;
    labels[b] = data.labels[batch[b]];
    if (!params.augment) {
      x.set(data.pixels.subarray(src, src + side), dst);
      continue;
    }
    const dy = rng.int(2 * shift + 1) - shift;
    const dx = rng.int(2 * shift + 1) - shift;
    const mirror = rng.next() < 0.5;
    for (let yy = 0; yy < size; yy++) {
      const sy = yy + dy;
      for (let xx = 0; xx < size; xx++) {
        const sx0 = xx + dx;
        const sx = mirror ? size - 1 - sx0 : sx0;
        x[dst + yy * size + xx] = sy >= 0 && sy < size && sx0 >= 0 && sx0 < size ? data.pixels[src + sy * size + sx] : 0;
      }
    }
  }
  return labels;
}

/** The pictures and labels of a subset, contiguous. */
function gather(s: Subset): { images: Float32Array; labels: Int32Array } {
  const side = s.data.size * s.data.size;
  const images = new Float32Array(s.indices.length * side);
  const labels = new Int32Array(s.indices.length);
  s.indices.forEach((i, k) => {
    images.set(s.data.pixels.subarray(i * side, (i + 1) * side), k * side);
    labels[k] = s.data.labels[i];
  });
  return { images, labels };
}
