import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../store/index.js';
import { register } from './import.js';

const dirs: string[] = [];
/** A SQLite store URL in a temp dir that is removed after the file's tests. */
function tempStore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'curio-cli-'));
  dirs.push(dir);
  return `sqlite:${join(dir, 'c.db')}`;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

// The Taobao-format fixture (test/fixtures/README.md): 1587 rows, wc -l test/fixtures/taobao-userbehavior-sample/UserBehavior.csv.
const TAOBAO = fileURLToPath(new URL('../../../test/fixtures/taobao-userbehavior-sample/UserBehavior.csv', import.meta.url));

/** Runs `curio <args>` with only the import command, capturing what it prints. */
async function curio(args: string[]): Promise<string> {
  return (await curioRaw(args)).out;
}

async function curioRaw(args: string[]): Promise<{ out: string; error: unknown }> {
  const program = new Command('curio').exitOverride();
  register(program);
  const out: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void out.push(parts.join(' ')));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  let error: unknown = null;
  try {
    await program.parseAsync(['node', 'curio', ...args]);
  } catch (e) {
    error = e;
  } finally {
    spy.mockRestore();
    write.mockRestore();
  }
  if (error && (error as { code?: string }).code !== 'commander.helpDisplayed') throw error;
  return { out: out.join('\n'), error };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('curio import', () => {
  it('lists every format and the options in --help', async () => {
    const help = await curio(['import', '--help']);
    for (const format of ['sequences', 'taobao', 'diginetica', 'yoochoose', 'amazon-grocery', 'obd', 'csv', 'jsonl'])
      expect(help).toContain(`  ${format} `);
    for (const option of [
      '--store',
      '--config',
      '--batch',
      '--on-error',
      '--limit',
      '--quiet',
      '--map',
      '--timestamp-unit',
      '--attributes',
    ])
      expect(help).toContain(option);
  });

  it('imports into the store named by --store, prints the summary, and a second run adds nothing', async () => {
    const store = tempStore();
    const first = await curio(['import', 'taobao', TAOBAO, '--store', store, '--quiet']);
    expect(first).toMatch(/taobao .*UserBehavior\.csv: complete/);
    expect(first).toMatch(/events accepted {2}1,587/);
    const second = await curio(['import', 'taobao', TAOBAO, '--store', store, '--json']);
    expect(JSON.parse(second)).toMatchObject({ eventsAccepted: 0, duplicates: 1587 });
    const s = await openStore(store);
    expect((await s.counts()).events).toBe(1587);
    await s.close();
  });

  it('on --on-error fail, prints the bad row, the last committed line and a non-zero exit code', async () => {
    const store = tempStore();
    const out = await curio(['import', 'csv', TAOBAO, '--store', store, '--quiet', '--on-error', 'fail', '--event-type', 'view']);
    // The Taobao file has no header, so its first row is taken as one and the columns do not map.
    expect(out).toMatch(/stopped: /);
    expect(out).toMatch(/committed through line 0 of .*; 0 events stored by this run/);
    expect(process.exitCode).toBe(1);
  });
});
