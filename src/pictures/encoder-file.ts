import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CurioError } from '../core/index.js';
import { decodeImageEncoder, type ImageEncoder } from './encoder.js';

/** An encoder and the version its embeddings are stored under (they are embedded again when it changes). */
export interface VersionedEncoder {
  encoder: ImageEncoder;
  version: string;
}

/**
 * Reads an image encoder saved with `saveImageEncoder` (`pictures.encoderPath`). Its version is the file
 * name with the first 12 hex digits of the bytes' SHA-256: a retrained encoder in the same place is a new
 * version, and the server embeds the stored pictures again with it.
 */
export function loadEncoderFile(path: string): VersionedEncoder {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new CurioError('NOT_FOUND', `cannot read the image encoder file ${path} (pictures.encoderPath)`, { cause });
  }
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return { encoder: decodeImageEncoder(bytes, path), version: `${basename(path)}@${digest}` };
}
