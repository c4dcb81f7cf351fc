/**
 * Uploaded pictures into the encoder's input: decoded with sharp (libvips, prebuilt for each platform on
 * the npm registry), flattened onto black, greyscale, fitted inside a size×size square and padded with
 * black — the look of the Fashion-MNIST pictures the encoder is trained on (a light article on a dark ground).
 */
import sharp, { type Metadata } from 'sharp';
import { CurioError } from '../core/index.js';

/** The formats an upload may be in; sharp reads more, but the API promises these two. */
export const PICTURE_FORMATS = ['png', 'jpeg'] as const;
export type PictureFormat = (typeof PICTURE_FORMATS)[number];

export interface DecodeOptions {
  /** Side of the square the picture is fitted into (the encoder's `size`). */
  size: number;
  /** Pixels (width × height) a picture may declare: larger ones are refused before they are decoded (a decompression bomb). */
  maxPixels: number;
}

/** A picture as the encoder reads it and the store keeps it. */
export interface DecodedPicture {
  format: PictureFormat;
  /** The upload's own dimensions. */
  width: number;
  height: number;
  size: number;
  /** size×size greyscale bytes, row-major. */
  pixels: Uint8Array;
}

const BLACK = { r: 0, g: 0, b: 0, alpha: 1 };

function badPicture(message: string, cause?: unknown): CurioError {
  return new CurioError('BAD_INPUT', `invalid picture: ${message}`, { cause, problems: [{ path: 'body', message }] });
}

/** Decodes a PNG or JPEG upload; BAD_INPUT (naming the body and the reason) for anything else. */
export async function decodePicture(bytes: Uint8Array, options: DecodeOptions): Promise<DecodedPicture> {
  if (bytes.length === 0) throw badPicture('the body is empty; send the PNG or JPEG bytes');
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw badPicture('not a PNG or JPEG picture (cannot read its header)', cause);
  }
  const format = meta.format as string;
  if (!(PICTURE_FORMATS as readonly string[]).includes(format)) throw badPicture(`a ${format} picture; send PNG or JPEG`);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > options.maxPixels) {
    throw badPicture(`${width}×${height} pixels is more than pictures.maxPixels (${options.maxPixels})`);
  }
  const { size } = options;
  let data: Buffer;
  let channels: number;
  try {
    const out = await sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'error' })
      .flatten({ background: BLACK })
      .greyscale()
      .resize(size, size, { fit: 'contain', background: BLACK })
      .raw()
      .toBuffer({ resolveWithObject: true });
    data = out.data;
    channels = out.info.channels;
  } catch (cause) {
    throw badPicture(`the ${format} data is damaged (${(cause as Error).message})`, cause);
  }
  const pixels = new Uint8Array(size * size);
  for (let p = 0; p < pixels.length; p++) pixels[p] = data[p * channels];
  return { format: format as PictureFormat, width, height, size, pixels };
}

/** Greyscale bytes into the encoder's input values in [0, 1], appended at `offset` of `out`. */
export function pixelsToInput(pixels: Uint8Array, out = new Float32Array(pixels.length), offset = 0): Float32Array {
  for (let p = 0; p < pixels.length; p++) out[offset + p] = pixels[p] / 255;
  return out;
}

/** Greyscale bytes as a PNG (tests, benches and the demo shop send pictures as a shop would). */
export function encodePng(pixels: Uint8Array, width: number, height = width): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

/** Greyscale bytes as a JPEG at `quality`. */
export function encodeJpeg(pixels: Uint8Array, width: number, height = width, quality = 90): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } })
    .jpeg({ quality })
    .toBuffer();
}
