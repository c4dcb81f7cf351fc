/**
 * Tensor files: a versioned, checksummed binary layout.
 *   "CURIONN\0" | u32 format version | u32 header bytes | 32-byte SHA-256 of (header + data) | header JSON
 *   | zero padding to 4 bytes | float32 little-endian data
 * The header lists each tensor's name, shape and element offset, plus free-form `meta`.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { CurioError, parseOrThrow } from '../core/index.js';
import type { Module } from './module.js';
import { sizeOf, Tensor } from './tensor.js';

const MAGIC = Buffer.from('CURIONN\0', 'latin1');
export const TENSOR_FORMAT_VERSION = 1;
const PREFIX_BYTES = 8 + 4 + 4 + 32;

const HeaderSchema = z.object({
  tensors: z.array(
    z.object({
      name: z.string(),
      shape: z.array(z.number().int().nonnegative()),
      offset: z.number().int().nonnegative(),
    }),
  ),
  meta: z.record(z.string(), z.unknown()).default({}),
});

export interface TensorBundle {
  tensors: Map<string, Tensor>;
  meta: Record<string, unknown>;
}

/** Serialise named tensors (and optional metadata) to one Buffer. */
export function encodeTensors(tensors: ReadonlyMap<string, Tensor> | Record<string, Tensor>, meta: Record<string, unknown> = {}): Buffer {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  let offset = 0;
  const list = entries.map(([name, t]) => {
    const e = { name, shape: [...t.shape], offset };
    offset += t.size;
    return e;
  });
  const header = Buffer.from(JSON.stringify({ tensors: list, meta }), 'utf8');
  const pad = (4 - ((PREFIX_BYTES + header.length) % 4)) % 4;
  const data = Buffer.alloc(offset * 4);
  for (const [i, [, t]] of entries.entries()) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(data, list[i].offset * 4);
  }
  const prefix = Buffer.alloc(PREFIX_BYTES);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(TENSOR_FORMAT_VERSION, 8);
  prefix.writeUInt32LE(header.length, 12);
  createHash('sha256').update(header).update(data).digest().copy(prefix, 16);
  return Buffer.concat([prefix, header, Buffer.alloc(pad), data]);
}

function corrupt(message: string, cause?: unknown): CurioError {
  return new CurioError('BAD_INPUT', `tensor file: ${message}`, { cause });
}

/** Parse a Buffer made by encodeTensors; BAD_INPUT on a wrong magic, version, checksum or layout. */
export function decodeTensors(buf: Buffer): TensorBundle {
  if (buf.length < PREFIX_BYTES || !buf.subarray(0, 8).equals(MAGIC)) throw corrupt('not a Curio tensor file');
  const version = buf.readUInt32LE(8);
  if (version !== TENSOR_FORMAT_VERSION) throw corrupt(`format version ${version}, expected ${TENSOR_FORMAT_VERSION}`);
  const headerLen = buf.readUInt32LE(12);
  const header = buf.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLen);
  const dataStart = PREFIX_BYTES + headerLen + ((4 - ((PREFIX_BYTES + headerLen) % 4)) % 4);
  const data = buf.subarray(dataStart);
  const digest = createHash('sha256').update(header).update(data).digest();
  if (!digest.equals(buf.subarray(16, 48))) throw corrupt('checksum mismatch (file damaged or truncated)');
  let json: unknown;
  try {
    json = JSON.parse(header.toString('utf8'));
  } catch (error) {
    throw corrupt('header is not JSON', error);
  }
  const parsed = parseOrThrow(HeaderSchema, json, { message: 'tensor file: bad header' });
  const tensors = new Map<string, Tensor>();
  for (const e of parsed.tensors) {
    const n = sizeOf(e.shape);
    if ((e.offset + n) * 4 > data.length) throw corrupt(`tensor ${e.name} runs past the end`);
    const values = new Float32Array(n);
    Buffer.from(values.buffer).set(data.subarray(e.offset * 4, (e.offset + n) * 4));
    tensors.set(e.name, new Tensor(values, e.shape));
  }
  return { tensors, meta: parsed.meta };
}

/** Write named tensors to a file. */
export async function saveTensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor> | Record<string, Tensor>,
  meta: Record<string, unknown> = {},
): Promise<void> {
  await writeFile(path, encodeTensors(tensors, meta));
}

/** Read a tensor file written by saveTensors. */
export async function loadTensors(path: string): Promise<TensorBundle> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (error) {
    throw new CurioError('NOT_FOUND', `cannot read tensor file ${path}`, { cause: error });
  }
  return decodeTensors(buf);
}

/** A module's parameters by dotted name. */
export function stateDict(module: Module): Map<string, Tensor> {
  return new Map(module.namedParameters());
}

/** Copy values into a module's parameters; every name must be present with the same shape. */
export function loadStateDict(module: Module, tensors: ReadonlyMap<string, Tensor>): void {
  const problems: { path: string; message: string }[] = [];
  const params = module.namedParameters();
  for (const [name, p] of params) {
    const t = tensors.get(name);
    if (!t) problems.push({ path: name, message: 'missing' });
    else if (t.shape.join() !== p.shape.join()) problems.push({ path: name, message: `shape [${t.shape}] != [${p.shape}]` });
  }
  if (problems.length > 0) throw new CurioError('BAD_INPUT', 'state does not fit the module', { problems });
  for (const [name, p] of params) p.data.set((tensors.get(name) as Tensor).data);
}
