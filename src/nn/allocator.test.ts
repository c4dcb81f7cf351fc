import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { steadyAllocator } from './allocator.js';
import { loadNativeAddon, nativeAddonPath } from './kernels-native.js';

const addon = loadNativeAddon();
const glibc =
  process.platform === 'linux' &&
  Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);

/**
 * In a fresh process (its resident size is its own): 3,000 64 KiB buffers, each followed by a small one
 * that stays, are freed; the holes they leave sit below live memory, so freeing alone returns nothing.
 * Reports the anonymous resident MiB held, after the free, and after the addon's trim.
 */
const FRAGMENT = `
const { readFileSync } = require('node:fs');
const addon = require(process.argv[1]);
const anon = () => Number(/RssAnon:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const keep = []; let large = [];
for (let i = 0; i < 3000; i++) { large.push(new Uint8Array(65536).fill(1)); keep.push(new Uint8Array(2048).fill(1)); }
const held = anon(); large = null; gc(); gc();
const freed = anon();
const report = () => console.log(JSON.stringify({ held, freed, trimmed: anon(), kept: keep.length }));
if (process.argv[2] === 'async') addon.mallocTrimAsync().then(report); else { addon.mallocTrim(); report(); }
`;

describe.runIf(typeof addon !== 'string' && glibc)('steadyAllocator', () => {
  it.each(['sync', 'async'])('returns an allocator whose trim (%s) hands freed heap pages back to the system', (mode) => {
    expect(steadyAllocator()).not.toBeNull();
    const out = execFileSync(process.execPath, ['--expose-gc', '-e', FRAGMENT, nativeAddonPath(), mode], { encoding: 'utf8' });
    const { held, freed, trimmed } = JSON.parse(out) as { held: number; freed: number; trimmed: number };
    // About 190 MiB of 64 KiB buffers: still resident after the free, gone after the trim.
    expect(held).toBeGreaterThan(150);
    expect(freed).toBeGreaterThan(held - 50);
    expect(trimmed).toBeLessThan(held - 120);
  });
});
