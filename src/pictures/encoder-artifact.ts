/**
 * The encoder's saved form: a model artifact (src/models/artifact.ts, the format of every model
 * version) whose arrays are the network's parameters and batch-norm statistics by name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CurioError, createRng, parseOrThrow } from '../core/index.js';
import { assertFiniteArtifact, decodeArtifact, encodeArtifact, type ModelArtifact } from '../models/index.js';
import { withoutRandomInit, type Tensor } from '../nn/index.js';
import type { ImageEncoder } from './encoder.js';
import { CnnImageEncoder } from './encoder-cnn.js';
import { ImageCnn } from './encoder-net.js';
import { ImageEncoderParamsSchema, cnnConfig } from './encoder-train.js';

export const IMAGE_ENCODER_MODEL_ID = 'image-cnn';
/** Bumped when the layout of the arrays changes; older artifacts are refused. */
export const IMAGE_ENCODER_ARTIFACT_VERSION = 1;

/** Every saved tensor of the net: parameters, then running statistics. */
function namedState(net: ImageCnn): [string, Tensor][] {
  return [...net.namedParameters(), ...net.namedBuffers()];
}

function asCnn(encoder: ImageEncoder): CnnImageEncoder {
  if (!(encoder instanceof CnnImageEncoder)) throw new CurioError('BAD_INPUT', 'only encoders trained by trainImageEncoder can be saved');
  return encoder;
}

/** The encoder as a model artifact (nItems 0: it scores pictures, not catalogue items). */
export function imageEncoderToArtifact(encoder: ImageEncoder): ModelArtifact {
  const { net, labels, tags } = asCnn(encoder);
  const { size, widths, dim, dropoutRate } = net.config;
  const artifact: ModelArtifact = {
    modelId: IMAGE_ENCODER_MODEL_ID,
    artifactVersion: IMAGE_ENCODER_ARTIFACT_VERSION,
    params: { widths: [...widths], dim, dropoutRate },
    nItems: 0,
    meta: { size, labels: [...labels], tags: [...tags] },
    arrays: Object.fromEntries(namedState(net).map(([name, t]) => [name, t.data.slice()])),
  };
  assertFiniteArtifact(artifact);
  return artifact;
}

/** Rebuilds an encoder from its artifact; BAD_INPUT naming what is wrong when it is not a valid one. */
export function imageEncoderFromArtifact(artifact: ModelArtifact): ImageEncoder {
  if (artifact.modelId !== IMAGE_ENCODER_MODEL_ID || artifact.artifactVersion !== IMAGE_ENCODER_ARTIFACT_VERSION) {
    throw new CurioError(
      'BAD_INPUT',
      `artifact is ${artifact.modelId} v${artifact.artifactVersion}; this build reads ${IMAGE_ENCODER_MODEL_ID} v${IMAGE_ENCODER_ARTIFACT_VERSION}`,
    );
  }
  const params = parseOrThrow(ImageEncoderParamsSchema, artifact.params, { what: 'image encoder parameters' });
  // `tags` is absent from encoders saved before the tag head: they have none.
  const { size, labels, tags = [] } = artifact.meta as { size?: unknown; labels?: unknown; tags?: unknown };
  const names = (v: unknown): v is string[] => Array.isArray(v) && v.every((l) => typeof l === 'string');
  if (!Number.isInteger(size) || !names(labels) || !names(tags)) {
    throw new CurioError('BAD_INPUT', 'image encoder artifact lacks its picture size, label names or tag names');
  }
  const net = withoutRandomInit(() => new ImageCnn(cnnConfig(params, size as number, labels.length, tags.length), createRng(0)));
  for (const [name, t] of namedState(net)) {
    const saved = artifact.arrays[name];
    if (!(saved instanceof Float32Array) || saved.length !== t.size) {
      throw new CurioError('BAD_INPUT', `image encoder artifact lacks a valid array "${name}" (${t.size} values)`);
    }
    t.data.set(saved);
  }
  return new CnnImageEncoder(net.eval(), labels, tags);
}

/** The encoder as one checksummed artifact file's bytes. */
export function encodeImageEncoder(encoder: ImageEncoder): Buffer {
  return encodeArtifact(imageEncoderToArtifact(encoder));
}

/** An encoder from artifact bytes (checksum verified). */
export function decodeImageEncoder(bytes: Buffer, source = 'image encoder artifact'): ImageEncoder {
  return imageEncoderFromArtifact(decodeArtifact(bytes, source));
}

/** Writes the encoder to a file. */
export function saveImageEncoder(encoder: ImageEncoder, path: string): void {
  writeFileSync(path, encodeImageEncoder(encoder));
}

/** Reads an encoder saved with saveImageEncoder. */
export function loadImageEncoder(path: string): ImageEncoder {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new CurioError('NOT_FOUND', `cannot read image encoder file ${path}`, { cause });
  }
  return decodeImageEncoder(bytes, path);
}
