/**
 * 53-bit hashes of ids and of word sequences (two 32-bit multiply-xor lanes), so long-lived serving state
 * can keep a number instead of an id string. Two of n kept ids collide with odds near n² / 2^54: about 1e-13 for a user's
 * few dozen events, 1e-4 across a million remembered slots (where a lookup meeting another key's hash,
 * the case that matters, has odds near 1e-10).
 */

const LANE_A = 0x9e3779b9;
const LANE_B = 0x85ebca6b;

export function idHash(id: string): number {
  return pairHash(id, '');
}

/** Hash of the pair (first, second), without building the joined string. */
export function pairHash(first: string, second: string): number {
  let a = LANE_A;
  let b = LANE_B;
  const n = first.length;
  const end = n + 1 + second.length;
  for (let k = 0; k < end; k++) {
    // 0xffff, a noncharacter no id holds, separates the parts: ("ab", "c") and ("a", "bc") differ.
    const c = k < n ? first.charCodeAt(k) : k === n ? 0xffff : second.charCodeAt(k - n - 1);
    a = Math.imul(a ^ c, 0x85ebca77);
    b = Math.imul(b ^ c, 0xc2b2ae3d);
  }
  return finish(a, b);
}

/** The same 53-bit hash over a sequence of 32-bit words added one by one (numbers rather than characters). */
export class WordHash {
  private a = LANE_A;
  private b = LANE_B;

  add(word: number): void {
    this.a = Math.imul(this.a ^ word, 0x85ebca77);
    this.b = Math.imul(this.b ^ word, 0xc2b2ae3d);
  }

  value(): number {
    return finish(this.a, this.b);
  }
}

function finish(a: number, b: number): number {
  a = Math.imul(a ^ (a >>> 16), 0x27d4eb2f) ^ Math.imul(b ^ (b >>> 13), 0x165667b1);
  b = Math.imul(b ^ (b >>> 16), 0x27d4eb2f) ^ Math.imul(a ^ (a >>> 13), 0x165667b1);
  return 2_097_152 * ((b >>> 0) & 0x1fffff) + (a >>> 0);
}
