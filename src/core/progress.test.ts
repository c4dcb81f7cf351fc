import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from './progress.js';

describe('progress off a terminal', () => {
  afterEach(() => vi.useRealTimers());

  it('writes a line every few seconds from a synchronous loop, and one when it stops', () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] });
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    const progress = createProgress({ label: 'fit', unit: 'pictures', total: 1000, fields: ['loss'], stream });
    // No await anywhere: the event loop never turns, as in a training loop.
    for (let k = 0; k < 10; k++) {
      vi.setSystemTime((k + 1) * 1000);
      progress.tick(100, { loss: (1 / (k + 1)).toFixed(3) });
    }
    progress.stop();
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(lines).toHaveLength(3); // at 5 s, at 10 s, and at stop
        expect(lines[0]).toBe('fit 50% | 500/1,000 pictures | 100 pictures/s | 5s | ETA 5s | loss 0.200');
        expect(lines[2]).toMatch(/^fit 100% \| 1,000\/1,000 pictures .* \| loss 0\.100$/);
        expect(lines.join('\n')).not.toMatch(/\[[█░]/);
        resolve();
      }),
    );
  });
});
