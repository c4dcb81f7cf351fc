import { describe, expect, it } from 'vitest';
import { assembleJson, fromLittleEndian, jsonDeferringFloats, PackedFloats } from './packed-floats.js';

describe('PackedFloats', () => {
  it('encodes as base64 of little-endian float64 bytes and decodes to the same numbers', () => {
    const numbers = Float64Array.of(0.1, -0, Number.NaN, 1e308);
    const text = JSON.parse(JSON.stringify(new PackedFloats(numbers))) as string;
    expect(Buffer.from(text, 'base64')).toHaveLength(32);
    expect(fromLittleEndian(Buffer.from(text, 'base64'), 'x')).toEqual(numbers);
    expect(() => fromLittleEndian(Buffer.alloc(12), 'packed beliefs')).toThrow(
      'packed beliefs: 12 bytes is not a whole number of float64s',
    );
  });

  it('leaves the arrays out of the deferred text and puts them back to the text JSON.stringify gives', () => {
    const value = {
      a: new PackedFloats(Float64Array.of(1, 2)),
      nested: [{ b: new PackedFloats(Float64Array.of(3)) }, 'x'],
      // Strings that look like the placeholder stay as they are: its random part cannot be guessed.
      lookalike: '\u0000f64:0123456789abcdef:0',
    };
    const deferred = jsonDeferringFloats(value)!;
    expect(deferred.floats.map((f) => Array.from(f))).toEqual([[1, 2], [3]]);
    expect(deferred.text.length).toBeLessThan(JSON.stringify(value).length + 60);
    expect(deferred.text).not.toContain(JSON.parse(JSON.stringify(new PackedFloats(Float64Array.of(1, 2)))) as string);
    // Structured clone (the copy to the writer thread) keeps what assembleJson needs.
    expect(assembleJson(structuredClone(deferred))).toBe(JSON.stringify(value));
    // Outside a deferred encoding the arrays are written in full again.
    expect(JSON.stringify(value)).toContain(JSON.parse(JSON.stringify(new PackedFloats(Float64Array.of(3)))) as string);
  });

  it('lists the buffers of handed-over arrays for a transfer, and only those that span their whole buffer', () => {
    const handed = new Float64Array(4);
    const view = new Float64Array(new ArrayBuffer(64), 8, 2);
    const deferred = jsonDeferringFloats({
      a: new PackedFloats(handed, { handOver: true }),
      b: new PackedFloats(Float64Array.of(1)),
      c: new PackedFloats(view, { handOver: true }),
    })!;
    expect(deferred.floats).toHaveLength(3);
    expect(deferred.transfer).toEqual([handed.buffer]);
    // Transferred, the bytes move: the sender's array is empty and the receiver's copy assembles the same text.
    const moved = structuredClone(deferred, { transfer: deferred.transfer });
    expect(handed.length).toBe(0);
    expect(assembleJson(moved)).toBe(
      JSON.stringify({ a: new PackedFloats(new Float64Array(4)), b: new PackedFloats(Float64Array.of(1)), c: new PackedFloats(view) }),
    );
  });

  it('has nothing to encode for undefined, and a value without arrays is its plain JSON', () => {
    expect(jsonDeferringFloats(undefined)).toBeUndefined();
    expect(assembleJson(jsonDeferringFloats({ a: [1, 'b'] })!)).toBe('{"a":[1,"b"]}');
  });
});
