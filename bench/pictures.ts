/**
 * Every picture figure in one run (`npm run bench:pictures` → bench/results/pictures.json): the image encoder
 * (bench/pictures/encoder.ts: Fashion-MNIST test accuracy within its budget, embedding throughput), then its
 * uses (bench/pictures/uses.ts: shop-by-photo precision and latency, similar-by-picture, ingest time, cold
 * start). Each part runs in a process of its own; the encoder's row is copied into pictures.json beside the uses'.
 * Env: CURIO_PICTURES_ENCODER=recorded (use the recorded encoder row; see below), CURIO_PICTURES_USES=recorded
 * (keep the uses' rows already in pictures.json: the uses train an encoder of their own, so a new encoder run
 * alone does not change them).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mergeRow } from './results-file.js';

const DATASET = 'fashion-mnist (Zalando, MIT) and the simulated demo shop with visual taste';

function run(script: string): void {
  console.log(`\n== ${script}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) throw new Error(`${script} failed (exit ${result.status ?? result.signal})`);
}

// CURIO_PICTURES_ENCODER=recorded takes the encoder row already in pictures-encoder.json (its 30-minute run
// measured on a quiet machine) instead of training again, and runs the uses only.
const recorded = process.env.CURIO_PICTURES_ENCODER === 'recorded';
if (existsSync('bench/pictures/encoder.ts')) {
  if (!recorded) run('bench/pictures/encoder.ts');
  const encoder = JSON.parse(readFileSync('bench/results/pictures-encoder.json', 'utf8')) as {
    runs?: Record<string, Record<string, unknown>>;
  };
  const row = encoder.runs?.['fashion-mnist'];
  if (row) mergeRow('bench/results/pictures.json', 'encoder', 'fashion-mnist', row, DATASET);
} else {
  console.log('bench/pictures/encoder.ts is not there: the encoder figures are skipped');
}
if (process.env.CURIO_PICTURES_USES === 'recorded') console.log("the uses' rows are kept as recorded (CURIO_PICTURES_USES=recorded)");
else run('bench/pictures/uses.ts');
console.log('\nwrote bench/results/pictures.json');
