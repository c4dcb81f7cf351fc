/**
 * Fashion-MNIST (Zalando Research, MIT licence): 70,000 greyscale 28×28 article photos in 10 categories,
 * in the IDX format of MNIST, gzip-compressed. Debian's dataset-fashion-mnist installs the four files
 * into /usr/share/datasets/fashion-mnist/; a slice of them is committed under test/fixtures/fashion-mnist/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CurioError } from '../core/index.js';
import type { LabelledImages } from './encoder.js';

/** The ten categories, in label order (from the dataset's README). */
export const FASHION_MNIST_LABELS = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

export type FashionMnistSplit = 'train' | 't10k';

/** An IDX array: unsigned bytes with their dimensions. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses an IDX file (gzip-compressed or not) holding unsigned bytes; BAD_INPUT when it is not one. */
export function readIdx(bytes: Buffer, source = 'IDX file'): IdxArray {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0 || raw[2] !== UBYTE) {
    throw new CurioError('BAD_INPUT', `${source} is not an IDX file of unsigned bytes`);
  }
  const rank = raw[3];
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(raw.readUInt32BE(4 + 4 * i));
  const start = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (raw.length !== start + size) throw new CurioError('BAD_INPUT', `${source}: ${raw.length - start} data bytes for dims [${dims}]`);
  return { dims, data: new Uint8Array(raw.buffer, raw.byteOffset + start, size) };
}

/** Encodes unsigned bytes as a gzip-compressed IDX file (for fixtures). */
export function writeIdx(array: IdxArray): Buffer {
  const head = Buffer.alloc(4 + 4 * array.dims.length);
  head[2] = UBYTE;
  head[3] = array.dims.length;
  array.dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([head, Buffer.from(array.data.buffer, array.data.byteOffset, array.data.length)]));
}

/** Pictures and labels from IDX arrays: pixel bytes scaled to [0, 1]. */
export function imagesFromIdx(images: IdxArray, labels: IdxArray, limit = Infinity): LabelledImages {
  const [count0, h, w] = images.dims;
  if (images.dims.length !== 3 || h !== w || labels.dims.length !== 1 || labels.dims[0] !== count0) {
    throw new CurioError('BAD_INPUT', `IDX images [${images.dims}] and labels [${labels.dims}] do not match`);
  }
  const count = Math.min(count0, limit);
  const pixels = new Float32Array(count * h * w);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  const ls = Int32Array.from(labels.data.subarray(0, count));
  for (const l of ls) if (l >= FASHION_MNIST_LABELS.length) throw new CurioError('BAD_INPUT', `label ${l} is not a Fashion-MNIST category`);
  return { size: h, count, pixels, labels: ls, labelNames: FASHION_MNIST_LABELS };
}

/** Reads `<split>-images-idx3-ubyte.gz` and `<split>-labels-idx1-ubyte.gz` from `dir` (at most `limit` pictures). */
export function loadFashionMnist(dir: string, split: FashionMnistSplit, limit = Infinity): LabelledImages {
  const read = (name: string): IdxArray => {
    const path = join(dir, name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (cause) {
      throw new CurioError('NOT_FOUND', `cannot read ${path} (apt-get install dataset-fashion-mnist)`, { cause });
    }
    return readIdx(bytes, name);
  };
  return imagesFromIdx(read(`${split}-images-idx3-ubyte.gz`), read(`${split}-labels-idx1-ubyte.gz`), limit);
}
