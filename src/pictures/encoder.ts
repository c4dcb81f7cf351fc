/**
 * The image encoder: a small CNN trained on the shop's item pictures with their categories as labels.
 * Its penultimate layer is the item's visual embedding (used for similar-by-picture, shop by photo,
 * tagging and cold start); its last layer gives category probabilities. This file is the contract the
 * rest of `src/pictures` uses; the network lives in encoder-net.ts, training in encoder-train.ts and the
 * saved form (a model artifact like every other model's) in encoder-artifact.ts. See docs/pictures.md.
 */
export {
  IMAGE_ENCODER_MODEL_ID,
  IMAGE_ENCODER_ARTIFACT_VERSION,
  imageEncoderToArtifact,
  imageEncoderFromArtifact,
  encodeImageEncoder,
  decodeImageEncoder,
  saveImageEncoder,
  loadImageEncoder,
} from './encoder-artifact.js';
export {
  trainImageEncoder,
  accuracy,
  ImageEncoderParamsSchema,
  type ImageEncoderParams,
  type ImageEncoderFit,
  type ImageEpochReport,
  type ImageTrainOptions,
} from './encoder-train.js';

/** A trained image encoder: greyscale size×size pictures in [0,1] → L2-normalised embeddings and category probabilities. */
export interface ImageEncoder {
  /** Input side in pixels (28 for Fashion-MNIST). */
  readonly size: number;
  /** Embedding length (penultimate layer). */
  readonly dim: number;
  /** Category names, in the order of `classify`'s columns. */
  readonly labels: readonly string[];
  /** count×dim values, each row L2-normalised. `pixels` holds count×size×size values, row-major, in [0, 1]. */
  embed(pixels: Float32Array, count: number): Float32Array;
  /** count×labels.length probabilities (each row sums to 1). */
  classify(pixels: Float32Array, count: number): Float32Array;
  /** Tag names, in the order of `tagProbabilities`' columns; empty when it learnt no tags. */
  readonly tags: readonly string[];
  /** count×tags.length probabilities, each tag on its own (a picture may have several). */
  tagProbabilities(pixels: Float32Array, count: number): Float32Array;
}

/** Pictures with a category each: what the encoder learns from. */
export interface LabelledImages {
  /** Side in pixels; every picture is size×size greyscale. */
  readonly size: number;
  /** Number of pictures. */
  readonly count: number;
  /** count×size×size values in [0, 1], row-major, picture after picture. */
  readonly pixels: Float32Array;
  /** Category index of each picture, in [0, labelNames.length). */
  readonly labels: Int32Array;
  /** Category names. */
  readonly labelNames: readonly string[];
  /** Tags of the pictures' items, where they have them: a second, multi-label target. */
  readonly tags?: PictureTags;
}

/** Each picture's tags as 0/1 targets. */
export interface PictureTags {
  names: readonly string[];
  /** count×names.length values, 1 where the picture's item has the tag. */
  targets: Uint8Array;
}
