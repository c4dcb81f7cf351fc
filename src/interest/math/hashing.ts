/** 32-bit FNV-1a hash of a string (stable across runs and platforms). */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Lower-cased word tokens (letters and digits, any script). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Word unigrams and bigrams plus character n-grams of each word (with boundary marks), as feature names. */
export function textGrams(text: string, charN: readonly number[] = [3, 4]): string[] {
  const ws = words(text);
  const out: string[] = [];
  for (let i = 0; i < ws.length; i++) {
    out.push(`w:${ws[i]}`);
    if (i > 0) out.push(`b:${ws[i - 1]}_${ws[i]}`);
    const padded = `<${ws[i]}>`;
    for (const n of charN) for (let j = 0; j + n <= padded.length; j++) out.push(`c:${padded.slice(j, j + n)}`);
  }
  return out;
}
