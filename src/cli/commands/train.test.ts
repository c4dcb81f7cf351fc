import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { epochLine } from './train.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'curio-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('epochLine', () => {
  it('says the time, epoch, loss, validation, elapsed and the time left at this pace', () => {
    const line = epochLine({ epoch: 1, epochs: 10, loss: 3.14159, seconds: 5, validation: 0.04567 }, 20, new Date('2026-01-01T08:09:10Z'));
    expect(line).toBe('08:09:10 epoch 2/10 loss 3.1416 val ndcg@10 0.0457 elapsed 20 s ETA 80 s');
    expect(epochLine({ epoch: 0, epochs: 2, loss: 1, seconds: 1 }, 3, new Date(0))).toBe(
      '00:00:00 epoch 1/2 loss 1.0000 elapsed 3 s ETA 3 s',
    );
  });
});

describe('curio train off a terminal', () => {
  it('prints one line per epoch to a pipe instead of a progress bar', async () => {
    // 80 users walking a ring of 30 items: a planted next-item pattern in the S3-Rec sequences format.
    const data = join(dir, 'ring.txt');
    writeFileSync(
      data,
      Array.from({ length: 80 }, (_, u) => [u + 1, ...Array.from({ length: 8 }, (_, k) => ((u + k) % 30) + 1)].join(' ')).join('\n') + '\n',
    );
    const params = JSON.stringify({ dim: 8, maxLen: 6, blocks: 1, epochs: 3, dropoutRate: 0 });
    const child = spawn(
      process.execPath,
      ['bin/curio.js', 'train', '-m', 'sasrec', '-d', data, '--params', params, '--validate-every', '1', '-o', join(dir, 'm.curio')],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, err).toBe(0);
    const epochs = err.split('\n').filter((l) => / epoch \d/.test(l));
    expect(epochs).toHaveLength(3);
    for (const [k, line] of epochs.entries()) {
      expect(line).toMatch(
        new RegExp(`^\\d\\d:\\d\\d:\\d\\d epoch ${k + 1}/3 loss \\d+\\.\\d{4} val ndcg@10 \\d\\.\\d{4} elapsed \\d+ s ETA \\d+ s$`),
      );
    }
    expect(err).not.toMatch(/ETA 0s|\[[█░]/);
  });
});
