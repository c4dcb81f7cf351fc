/**
 * What the serving policy's periodic save (`serving.policySaveSeconds`) costs the request thread, at the size of
 * bench:serve-training's shop: a neural posterior with a belief for each of 21,086 items (33 weights: means and
 * variances), saved into a SQLite file store whose writes run on its writer thread.
 *
 *   state      `toJson()`: the beliefs packed into one float64 array (on the request thread either way)
 *   as text    the encoding as it was: JSON text with the base64 built on the request thread, then the copy
 *              of that string to the writer thread (a structured clone, as postMessage makes it)
 *   deferred   the encoding now: JSON text without the arrays, then the copy of text and arrays
 *   putState   the store call's synchronous part (what the request thread actually waits), and its commit;
 *              beside it the same call with the beliefs copied to the writer thread instead of handed over
 *              (`PackedFloats` without `handOver`, as before), in alternating order
 *
 *   npm run bench:policy-save [-- --items 21086 --runs 7]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, jsonDeferringFloats, PackedFloats } from '../src/core/index.js';
import { AppealPosterior } from '../src/explore/appeal-posterior.js';
import { openStore } from '../src/store/index.js';
import { argValue, median } from './serve-shared.js';

const ITEMS = Number(argValue('items') ?? 21_086);
const RUNS = Number(argValue('runs') ?? 7);
const DIM = 32;

const rng = createRng(7);
const posterior = new AppealPosterior({ baseRate: 0.05, scoreSlope: 0.5, priorSd: 1, noise: 1, maxItems: 50_000 });
const state = new Float32Array(DIM);
for (let i = 0; i < ITEMS; i++) {
  for (let d = 0; d < DIM; d++) state[d] = rng.next() - 0.5;
  posterior.observe({ itemId: `item-${i}`, state, reward: rng.next() < 0.1 ? 1 : 0 });
}

/** The posterior's saved state with its beliefs copied to the writer thread, not handed over (as before). */
function copiedBeliefs(state: ReturnType<AppealPosterior['toJson']>): unknown {
  if (!('packed' in state) || typeof state.packed.values === 'string') throw new Error('expected packed beliefs');
  return {
    policy: 'neural-thompson',
    version: 1,
    state: { ...state, packed: { ...state.packed, values: new PackedFloats(state.packed.values.values) } },
  };
}

const time = (fn: () => unknown): number => {
  const started = performance.now();
  fn();
  return performance.now() - started;
};

const dir = mkdtempSync(join(tmpdir(), 'curio-policy-save-'));
const store = await openStore(`sqlite:${join(dir, 'policy.db')}`, { backgroundWrites: true });
const rows: Array<Record<string, number>> = [];
try {
  for (let run = 0; run < RUNS; run++) {
    let value: unknown;
    const stateMs = time(() => (value = { policy: 'neural-thompson', version: 1, state: posterior.toJson() }));
    const asTextMs = time(() => structuredClone(JSON.stringify(value)));
    const deferredMs = time(() => structuredClone(jsonDeferringFloats(value)));
    const copied = copiedBeliefs(posterior.toJson());
    let put!: Promise<void>;
    const putCopy = async (): Promise<number> => {
      const ms = time(() => (put = store.putState('serving.policy', copied)));
      await put;
      return ms;
    };
    const putCopyFirst = run % 2 === 1;
    const putSyncCopyMs = putCopyFirst ? await putCopy() : 0;
    const putSyncMs = time(() => (put = store.putState('serving.policy', value)));
    const started = performance.now();
    await put;
    const commitMs = performance.now() - started;
    rows.push({ stateMs, asTextMs, deferredMs, putSyncMs, putSyncCopyMs: putCopyFirst ? putSyncCopyMs : await putCopy(), commitMs });
    console.log(
      `run ${run + 1}/${RUNS}: state ${stateMs.toFixed(1)} ms; as text ${asTextMs.toFixed(1)} ms, deferred ${deferredMs.toFixed(1)} ms; ` +
        `putState holds the request thread ${putSyncMs.toFixed(1)} ms (${rows[run].putSyncCopyMs.toFixed(1)} ms copying the beliefs), commits ${commitMs.toFixed(0)} ms later`,
    );
  }
  const saved = (await store.getState('serving.policy')) as { state: { packed: { values: string } } };
  const med = (key: string) => Number(median(rows.map((r) => r[key])).toFixed(2));
  const result = {
    bench: 'policy-save',
    items: ITEMS,
    weights: DIM + 1,
    runs: RUNS,
    saved_base64_mb: Number((saved.state.packed.values.length / 1e6).toFixed(1)),
    median_ms: {
      state: med('stateMs'),
      encode_as_text_and_copy: med('asTextMs'),
      encode_deferred_and_copy: med('deferredMs'),
      put_state_request_thread: med('putSyncMs'),
      put_state_request_thread_copying_beliefs: med('putSyncCopyMs'),
      put_state_commit: med('commitMs'),
    },
    runs_ms: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v.toFixed(2))]))),
    measured_at: new Date().toISOString(),
  };
  console.log(JSON.stringify(result.median_ms));
  writeFileSync(argValue('out') ?? 'bench/results/policy-save.json', `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
