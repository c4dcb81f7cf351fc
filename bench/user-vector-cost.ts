/**
 * Benchmark: what curio-seq's options cost on the serving path, where every personalised request without a
 * cached vector runs one forward pass over the user's newest events (`userVector`). Models with and without
 * the token mixer (dim 64, the default) are trained one epoch on random sequences (the weights do not change
 * the cost) and timed in alternating rounds of one process on 50-event states. Writes
 * bench/results/user-vector-cost.json.
 *
 *   node --import tsx bench/user-vector-cost.ts [--rounds 7] [--states 200]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createRng } from '../src/core/index.js';
import { createSequenceBuilder, userSequence, type SequenceDataset } from '../src/data/index.js';
import { curioSeqModel } from '../src/models/curio-seq.js';
import { isSequentialRecommender, type SequentialRecommender } from '../src/models/seq-model.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    states: { type: 'string', default: '200' },
  },
});

const VARIANTS: Record<string, Record<string, unknown>> = { 'mixer 0': { mixer: 0 }, 'mixer 0.5 (default)': { mixer: 0.5 } };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** 400 users of 60 random views over 5,000 items: every state is a full 50-event window. */
function randomSequences(): SequenceDataset {
  const rng = createRng(1);
  const b = createSequenceBuilder();
  for (let u = 0; u < 400; u++) {
    for (let t = 0; t < 60; t++) b.add(`u${u}`, `i${rng.int(5000)}`, 'view', Date.UTC(2024, 0, 1) + (u * 100 + t) * 60_000);
  }
  return b.build();
}

async function main(): Promise<void> {
  const ds = randomSequences();
  const states = Array.from({ length: Number(args.states) }, (_, u) => userSequence(ds, u));
  const models: Record<string, SequentialRecommender> = {};
  for (const [name, params] of Object.entries(VARIANTS)) {
    const m = await curioSeqModel.fit(ds, { ...params, epochs: 1 }, { seed: 1 });
    if (!isSequentialRecommender(m)) throw new Error('curio-seq is not sequential');
    models[name] = m;
  }
  const micros: Record<string, number[]> = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
  const load = [loadavg()[0]];
  for (let r = 0; r < Number(args.rounds); r++) {
    const names = Object.keys(models);
    if (r % 2) names.reverse(); // neither always first
    for (const name of names) {
      const t = performance.now();
      for (const s of states) models[name].userVector(s);
      micros[name].push(((performance.now() - t) / states.length) * 1000);
    }
    load.push(loadavg()[0]);
  }
  const perCall = Object.fromEntries(Object.entries(micros).map(([k, v]) => [k, Number(median(v).toFixed(0))]));
  const [base, withMixer] = Object.values(perCall);
  const result = {
    date: new Date().toISOString(),
    setup: { dim: 64, blocks: 2, events: 50, states: states.length, rounds: Number(args.rounds) },
    userVectorMicros: perCall,
    ratio: Number((withMixer / base).toFixed(2)),
    mean_load: Number((load.reduce((a, b) => a + b, 0) / load.length).toFixed(2)),
  };
  console.log(JSON.stringify(result));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/user-vector-cost.json', `${JSON.stringify(result, null, 2)}\n`);
  console.log('wrote bench/results/user-vector-cost.json');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
