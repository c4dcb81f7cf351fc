import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICE, CurioError } from '../core/index.js';
import { THREADS_VISIBLE, threadNices } from '../../test/support/threads.js';
import { verifyOffThread } from './verify-thread.js';

describe('verifyOffThread', () => {
  it('refuses bytes that are no artifact, in a thread below request handling', async () => {
    const bytes = Buffer.from('not an artifact');
    const checksum = createHash('sha256').update(bytes).digest('hex');
    await expect(verifyOffThread(bytes, checksum, 'test')).rejects.toThrow(CurioError);
    if (!THREADS_VISIBLE) return;
    // This test's process starts no other background thread: the one at the background nice is the checker.
    const nices = threadNices();
    expect([...nices.values()]).toContain(BACKGROUND_NICE);
    expect(nices.get(process.pid)).toBe(0);
  });
});
