import { createHash } from 'node:crypto';
import { CurioError } from '../core/index.js';

export type ArtifactArray = Float32Array | Float64Array | Int32Array;

/** A model's saved form: versioned metadata plus named typed arrays. */
export interface ModelArtifact {
  modelId: string;
  artifactVersion: number;
  params: Record<string, unknown>;
  nItems: number;
  /** Small JSON-able extras (e.g. counts). */
  meta: Record<string, unknown>;
  arrays: Record<string, ArtifactArray>;
}

const MAGIC = Buffer.from('CURIOMD1', 'ascii');
const DTYPES = { f32: Float32Array, f64: Float64Array, i32: Int32Array } as const;
type DType = keyof typeof DTYPES;

function dtypeOf(a: ArtifactArray): DType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  return 'i32';
}

/**
 * Layout: magic (8 bytes) | sha256 of the rest (32) | header length (u32 LE) | header JSON | arrays,
 * each starting at a multiple of 8. The checksum covers header and arrays.
 */
export function encodeArtifact(artifact: ModelArtifact): Buffer {
  const entries = Object.entries(artifact.arrays);
  let offset = 0;
  const layout = entries.map(([name, a]) => {
    const entry = { name, dtype: dtypeOf(a), length: a.length, offset };
    offset += Math.ceil(a.byteLength / 8) * 8;
    return entry;
  });
  const { arrays: _arrays, ...rest } = artifact;
  const header = Buffer.from(JSON.stringify({ ...rest, layout }), 'utf8');
  const headerPadded = Math.ceil((4 + header.length) / 8) * 8;
  const body = Buffer.alloc(headerPadded + offset);
  body.writeUInt32LE(header.length, 0);
  header.copy(body, 4);
  entries.forEach(([, a], k) => {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(body, headerPadded + layout[k].offset);
  });
  const digest = createHash('sha256').update(body).digest();
  return Buffer.concat([MAGIC, digest, body]);
}

/** Parses and verifies an artifact; BAD_INPUT when it is not one or its checksum fails. */
export function decodeArtifact(bytes: Buffer, source = 'artifact'): ModelArtifact {
  if (bytes.length < 44 || !bytes.subarray(0, 8).equals(MAGIC)) {
    throw new CurioError('BAD_INPUT', `${source} is not a Curio model artifact`);
  }
  const body = bytes.subarray(40);
  if (!createHash('sha256').update(body).digest().equals(bytes.subarray(8, 40))) {
    throw new CurioError('BAD_INPUT', `${source}: checksum mismatch (the file is damaged or was edited)`);
  }
  const headerLength = body.readUInt32LE(0);
  const header = JSON.parse(body.subarray(4, 4 + headerLength).toString('utf8')) as Omit<ModelArtifact, 'arrays'> & {
    layout: { name: string; dtype: DType; length: number; offset: number }[];
  };
  const base = Math.ceil((4 + headerLength) / 8) * 8;
  const arrays: Record<string, ArtifactArray> = {};
  for (const { name, dtype, length, offset } of header.layout) {
    const Ctor = DTYPES[dtype];
    const start = base + offset;
    const copy = new Uint8Array(body.subarray(start, start + length * Ctor.BYTES_PER_ELEMENT)); // aligned copy
    arrays[name] = new Ctor(copy.buffer, 0, length);
  }
  const { layout: _layout, ...rest } = header;
  return { ...rest, arrays };
}

/** Throws MODEL_FIT when any float array of the artifact holds NaN or ±Infinity. */
export function assertFiniteArtifact(artifact: ModelArtifact): void {
  for (const [name, a] of Object.entries(artifact.arrays)) {
    if (a instanceof Int32Array) continue;
    for (let k = 0; k < a.length; k++) {
      if (!Number.isFinite(a[k])) {
        throw new CurioError('MODEL_FIT', `${artifact.modelId}: training produced a non-finite value in ${name}[${k}]`);
      }
    }
  }
}
