/**
 * The encoder's network, a small VGG-style CNN over NHWC pictures:
 *   [conv3×3-BN-ReLU ×2 → maxpool 2] at width w1, the same at width w2,
 *   → flatten → linear → BN → ReLU = the embedding (penultimate layer) → dropout → linear → class logits
 *   (and, when items have tags, a second linear head beside it → one logit per tag, multi-label).
 * Convolutions feeding batch norm carry no bias (the norm's beta replaces it).
 */
import type { Rng } from '../core/index.js';
import { BatchNorm, Conv2d, Linear, Module, dropout, maxPool2d, relu, reshape, type Tensor } from '../nn/index.js';

export interface ImageCnnConfig {
  /** Side of the (square, greyscale) input pictures; a multiple of 4. */
  size: number;
  /** Channels of the two convolution stages. */
  widths: readonly [number, number];
  /** Embedding length. */
  dim: number;
  classes: number;
  /** Tags of the multi-label head; 0 = no tag head. */
  tags: number;
  dropoutRate: number;
}

/** conv3×3 (no bias) → batch norm → ReLU. */
class ConvBlock extends Module {
  readonly conv: Conv2d;
  readonly norm: BatchNorm;

  constructor(inChannels: number, outChannels: number, rng: Rng) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, { rng, kernel: 3, bias: false });
    this.norm = new BatchNorm(outChannels);
  }

  forward(x: Tensor): Tensor {
    return relu(this.norm.forward(this.conv.forward(x)));
  }
}

/** What one pass gives: the embedding (before normalisation), the class logits and the tag logits (null without tags). */
export interface ImageCnnOutput {
  embedding: Tensor;
  logits: Tensor;
  tagLogits: Tensor | null;
}

export class ImageCnn extends Module {
  readonly blocks: ConvBlock[];
  readonly project: Linear;
  readonly projectNorm: BatchNorm;
  readonly head: Linear;
  readonly tagHead: Linear | null;

  constructor(
    readonly config: ImageCnnConfig,
    rng: Rng,
  ) {
    super();
    const [w1, w2] = config.widths;
    this.blocks = [new ConvBlock(1, w1, rng), new ConvBlock(w1, w1, rng), new ConvBlock(w1, w2, rng), new ConvBlock(w2, w2, rng)];
    const side = config.size / 4;
    this.project = new Linear(side * side * w2, config.dim, { rng, bias: false });
    this.projectNorm = new BatchNorm(config.dim);
    this.head = new Linear(config.dim, config.classes, { rng });
    this.tagHead = config.tags > 0 ? new Linear(config.dim, config.tags, { rng }) : null;
  }

  /** x: [n, size, size, 1] in [0, 1]. `rng` drives dropout while training. */
  forward(x: Tensor, rng: Rng): ImageCnnOutput {
    const [b1, b2, b3, b4] = this.blocks;
    let h = maxPool2d(b2.forward(b1.forward(x)), 2);
    h = maxPool2d(b4.forward(b3.forward(h)), 2);
    const flat = reshape(h, [x.shape[0], -1]);
    const embedding = relu(this.projectNorm.forward(this.project.forward(flat)));
    const dropped = this.training ? dropout(embedding, this.config.dropoutRate, rng) : embedding;
    return { embedding, logits: this.head.forward(dropped), tagLogits: this.tagHead?.forward(dropped) ?? null };
  }
}
