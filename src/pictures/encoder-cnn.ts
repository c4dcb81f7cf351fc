/** The trained CNN behind the ImageEncoder interface: batched inference in evaluation mode. */
import { createRng } from '../core/index.js';
import { noGrad, sigmoid, softmax, tidy, Tensor } from '../nn/index.js';
import type { ImageEncoder } from './encoder.js';
import type { ImageCnn, ImageCnnOutput } from './encoder-net.js';

/** Pictures per forward pass at inference (bounds the patch matrices' memory). */
const INFERENCE_BATCH = 256;

export class CnnImageEncoder implements ImageEncoder {
  readonly size: number;
  readonly dim: number;

  constructor(
    readonly net: ImageCnn,
    readonly labels: readonly string[],
    readonly tags: readonly string[] = [],
  ) {
    this.size = net.config.size;
    this.dim = net.config.dim;
  }

  embed(pixels: Float32Array, count: number): Float32Array {
    const out = this.run(pixels, count, this.dim, (o) => o.embedding);
    for (let r = 0; r < count; r++) {
      const row = out.subarray(r * this.dim, (r + 1) * this.dim);
      let s = 0;
      for (const v of row) s += v * v;
      // An all-zero embedding (every unit inactive) stays zero rather than becoming NaN.
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let j = 0; j < row.length; j++) row[j] *= inv;
    }
    return out;
  }

  /**
   * Averages the probabilities of each picture and its mirror image: training shows the net both (a
   * mirrored article is the same article), so the pair is a free two-member ensemble at twice the cost.
   */
  classify(pixels: Float32Array, count: number): Float32Array {
    const k = this.labels.length;
    const probs = this.run(pixels, count, k, (o) => softmax(o.logits));
    const mirrored = this.run(mirror(pixels, this.size), count, k, (o) => softmax(o.logits));
    for (let i = 0; i < probs.length; i++) probs[i] = (probs[i] + mirrored[i]) / 2;
    return probs;
  }

  /** count×tags.length probabilities, each tag on its own (multi-label), averaged with the mirror image's like `classify`. */
  tagProbabilities(pixels: Float32Array, count: number): Float32Array {
    const k = this.tags.length;
    if (k === 0) return new Float32Array(0);
    const pick = (o: ImageCnnOutput) => sigmoid(o.tagLogits!);
    const probs = this.run(pixels, count, k, pick);
    const mirrored = this.run(mirror(pixels, this.size), count, k, pick);
    for (let i = 0; i < probs.length; i++) probs[i] = (probs[i] + mirrored[i]) / 2;
    return probs;
  }

  /** Runs the net in evaluation mode over batches, copying `pick`'s rows (width `width`) out. */
  private run(pixels: Float32Array, count: number, width: number, pick: (o: ImageCnnOutput) => Tensor): Float32Array {
    const side = this.size * this.size;
    if (!Number.isInteger(count) || count < 0 || pixels.length !== count * side) {
      throw new RangeError(`expected ${count} pictures of ${this.size}×${this.size} (${count * side} values), got ${pixels.length} values`);
    }
    const out = new Float32Array(count * width);
    const wasTraining = this.net.training;
    this.net.eval();
    // Evaluation mode uses no randomness; the Rng only satisfies forward's signature.
    const rng = createRng(0);
    try {
      for (let start = 0; start < count; start += INFERENCE_BATCH) {
        const n = Math.min(INFERENCE_BATCH, count - start);
        const x = new Tensor(pixels.subarray(start * side, (start + n) * side), [n, this.size, this.size, 1]);
        tidy(() => noGrad(() => out.set(pick(this.net.forward(x, rng)).data, start * width)));
      }
    } finally {
      this.net.train(wasTraining);
    }
    return out;
  }
}

/** The pictures flipped left to right. */
function mirror(pixels: Float32Array, size: number): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let row = 0; row < pixels.length; row += size) {
    for (let x = 0; x < size; x++) out[row + x] = pixels[row + size - 1 - x];
  }
  return out;
}
