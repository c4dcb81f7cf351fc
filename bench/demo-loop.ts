// What the demo serves after its first training, and how long that training takes: the demo's shop
// (the simulator with `curio demo`'s defaults) in a fresh store, one retrain job with the default
// training settings. Writes bench/results/demo-loop.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateIntoStore } from '../src/cli/commands/simulate.js';
import { loadConfig } from '../src/core/index.js';
import { openStore } from '../src/store/index.js';
import { enqueueJob, runTrainingJob } from '../src/train/index.js';

const dir = mkdtempSync(join(tmpdir(), 'curio-demo-loop-'));
const url = `sqlite:${join(dir, 'demo.db')}`;
const store = await openStore(url);
try {
  const days = 14;
  const sim = await simulateIntoStore(store, { seed: 7, users: 2000, items: 1000, days, startTime: Date.UTC(2026, 10, 1) });
  console.log(`demo shop: ${sim.items} items, ${sim.accepted} events`);
  const config = loadConfig({ overrides: { 'store.url': url }, env: {} });
  const job = await enqueueJob(store, 'retrain', 'bench', {});
  const started = performance.now();
  let lastStep = '';
  const outcome = await runTrainingJob({
    store,
    config,
    job,
    checkpoint: null,
    reporter: {
      progress: (fraction, step) => {
        if (step !== lastStep && !step.includes('epoch')) console.log(`${(fraction * 100).toFixed(0)}% ${step}`);
        lastStep = step;
      },
      log: (line) => console.log(line),
      remember: async (values) => void (await store.updateJob(job.id, { result: values })),
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const serving = await store.servingModelVersion();
  const result = {
    bench: 'demo-loop',
    shop: { users: 2000, items: 1000, days, events: sim.accepted },
    training: config.training,
    outcome,
    serving: serving ? { id: serving.id, model: serving.model, params: serving.params, metrics: serving.metrics } : null,
    jobSeconds: seconds,
    node: process.version,
  };
  console.log(`first training: ${outcome.decision} ${outcome.chosen} in ${seconds.toFixed(0)} s`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/demo-loop.json', JSON.stringify(result, null, 2) + '\n');
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
