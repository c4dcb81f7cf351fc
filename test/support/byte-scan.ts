// Erasure tests: looks for a user's id, byte for byte, in every file under a directory.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One needle found in one file. */
export interface ByteHit {
  /** Relative to the scanned directory. */
  file: string;
  needle: string;
  count: number;
}

/** Every regular file under `dir`, depth first. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * How often each needle occurs in each file under `dir`, as UTF-8 and as UTF-16LE (SQLite can store text
 * either way); only the hits are returned, so an empty list means not one byte sequence was found.
 */
export function scanForBytes(dir: string, needles: readonly string[]): ByteHit[] {
  const patterns = needles.flatMap((needle) => [
    { needle, bytes: Buffer.from(needle, 'utf8') },
    { needle: `${needle} (utf-16le)`, bytes: Buffer.from(needle, 'utf16le') },
  ]);
  const hits: ByteHit[] = [];
  for (const path of filesUnder(dir)) {
    if (statSync(path).size === 0) continue;
    const data = readFileSync(path);
    for (const { needle, bytes } of patterns) {
      const count = occurrences(data, bytes);
      if (count > 0) hits.push({ file: relative(dir, path), needle, count });
    }
  }
  return hits;
}

function occurrences(haystack: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) count++;
  return count;
}
