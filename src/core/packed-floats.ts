import { randomBytes } from 'node:crypto';

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** The numbers as little-endian bytes whatever the machine's byte order (a view where it is little-endian). */
export function littleEndianBytes(values: Float64Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => out.writeDoubleLE(v, i * 8));
  return out;
}

/** Float64 numbers from their little-endian bytes; `what` names them in the error when the length is off. */
export function fromLittleEndian(bytes: Buffer, what: string): Float64Array {
  if (bytes.length % 8 !== 0) throw new Error(`${what}: ${bytes.length} bytes is not a whole number of float64s`);
  const out = new Float64Array(bytes.length / 8);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else for (let i = 0; i < out.length; i++) out[i] = bytes.readDoubleLE(i * 8);
  return out;
}

/** Where `jsonDeferringFloats` collects the arrays of the value it is encoding; null otherwise. */
let deferring: { floats: Float64Array[]; transfer: ArrayBuffer[]; token: string } | null = null;

/**
 * Float64 numbers that a JSON encoding writes as one base64 string of their little-endian bytes: exact, and
 * a third of the text of a number array. Big state (a policy's beliefs over every item) is saved this way.
 */
export class PackedFloats {
  /**
   * `handOver`: the creator gives the array away with the value (nothing else holds it), so a thread that
   * encodes it may take its memory instead of a copy; the array is empty afterwards. A policy's beliefs over
   * every item are big enough that copying them is a stall of the request thread (docs/benchmarks.md).
   */
  constructor(
    readonly values: Float64Array,
    readonly options: { handOver?: boolean } = {},
  ) {}

  toJSON(): string {
    if (deferring) {
      if (this.options.handOver && ownsBuffer(this.values)) deferring.transfer.push(this.values.buffer as ArrayBuffer);
      // An empty array may be one that already moved, whose buffer no thread can be sent: send a fresh one.
      const values = this.values.length === 0 ? new Float64Array(0) : this.values;
      return `${deferring.token}${deferring.floats.push(values) - 1}`;
    }
    return littleEndianBytes(this.values).toString('base64');
  }
}

/**
 * A value's JSON text with every `PackedFloats` left out, to be filled in by `assembleJson`, possibly on
 * another thread: the arrays cross to it as typed arrays (a copy of their bytes, or the bytes themselves when
 * handed over), while their base64 and a string of the whole (a policy's state is large) are built there, not
 * on the request thread.
 */
export interface DeferredJson {
  text: string;
  floats: Float64Array[];
  /** The buffers of handed-over arrays: post them in the transfer list, so they move instead of being copied. */
  transfer: ArrayBuffer[];
  /** Marks each array's place in `text`; random per encoding, so no string in the value can match it. */
  token: string;
}

export function jsonDeferringFloats(value: unknown): DeferredJson | undefined {
  const encoding = { floats: [] as Float64Array[], transfer: [] as ArrayBuffer[], token: `\u0000f64:${randomBytes(8).toString('hex')}:` };
  deferring = encoding;
  try {
    const text = JSON.stringify(value) as string | undefined;
    return text === undefined ? undefined : { text, ...encoding };
  } finally {
    deferring = null;
  }
}

/** The JSON text `JSON.stringify` would have given the value `jsonDeferringFloats` encoded. */
export function assembleJson({ text, floats, token }: DeferredJson): string {
  if (floats.length === 0) return text;
  // The token went through JSON.stringify as part of a string: its NUL is escaped there.
  const escaped = JSON.stringify(token)
    .slice(1, -1)
    .replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return text.replace(new RegExp(`${escaped}(\\d+)`, 'g'), (_, k: string) => littleEndianBytes(floats[Number(k)]).toString('base64'));
}

/**
 * Whether the array spans its whole buffer (a plain ArrayBuffer): only then can the buffer move without taking
 * more. An empty one has nothing to move, and a buffer that already moved (a value saved twice) cannot move again.
 */
function ownsBuffer(values: Float64Array): boolean {
  return (
    values.buffer instanceof ArrayBuffer &&
    values.byteLength > 0 &&
    values.byteOffset === 0 &&
    values.byteLength === values.buffer.byteLength
  );
}
