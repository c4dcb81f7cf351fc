import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng, CurioError } from '../core/index.js';
import { decodeTensors, encodeTensors, loadStateDict, loadTensors, saveTensors, stateDict } from './serialize.js';
import { SasrecEncoder } from './transformer.js';
import { tensor } from './tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'curio-nn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model = (seed: number) => new SasrecEncoder({ rng: createRng(seed), numItems: 10, maxLen: 4, dim: 8, blocks: 1 });

describe('tensor files', () => {
  it('round-trip a module state and metadata through a file', async () => {
    const a = model(1);
    const path = join(dir, 'm.bin');
    await saveTensors(path, stateDict(a), { modelId: 'sasrec', epochs: 3 });
    const b = model(2);
    const bundle = await loadTensors(path);
    loadStateDict(b, bundle.tensors);
    expect(bundle.meta).toEqual({ modelId: 'sasrec', epochs: 3 });
    for (const [name, p] of a.namedParameters()) expect(stateDict(b).get(name)?.toArray()).toEqual(p.toArray());
  });

  it('rejects a damaged file by checksum', () => {
    const buf = encodeTensors({ w: tensor([1, 2, 3, 4], [2, 2]) });
    buf[buf.length - 1] ^= 0xff;
    expect(() => decodeTensors(buf)).toThrow(/checksum/);
  });

  it('rejects another format version and a foreign file', () => {
    const buf = encodeTensors({ w: tensor([1, 2]) });
    buf.writeUInt32LE(99, 8);
    expect(() => decodeTensors(buf)).toThrow(/version 99/);
    expect(() => decodeTensors(Buffer.from('hello world, not tensors at all, no no no no no no no'))).toThrow(/not a Curio/);
  });

  it('refuses a state whose names or shapes do not fit, listing each problem', () => {
    const state = stateDict(model(1));
    state.delete('lnFinal.gamma');
    state.set('items.weight', tensor(new Float32Array(8), [1, 8]));
    try {
      loadStateDict(model(2), state);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CurioError);
      expect((error as CurioError).problems.map((p) => p.path).sort()).toEqual(['items.weight', 'lnFinal.gamma']);
    }
  });

  it('reports a missing file as NOT_FOUND', async () => {
    await expect(loadTensors(join(dir, 'nope.bin'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
