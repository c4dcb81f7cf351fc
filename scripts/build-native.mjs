#!/usr/bin/env node
// Builds the optional C addon in native/ (OpenBLAS sgemm + fused loops) with npm's bundled node-gyp.
// It never fails the install: on any problem it prints one line and exits 0, and Curio runs on the
// plain TypeScript `js` backend instead. Set CURIO_SKIP_NATIVE=1 to skip the build.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');

function skip(reason) {
  console.log(`curio: native neural backend not built (${reason}); using the js backend.`);
  process.exit(0);
}

/** npm's own copy of node-gyp: next to npm-cli.js when run by npm, else beside the `npm` on PATH. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..'));
  const prefix = resolve(dirname(process.execPath), '..');
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm'));
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) {
    candidates.push(resolve(dirname(realpathSync(which.stdout.trim())), '..'));
  }
  for (const dir of candidates) {
    const script = join(dir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(script)) return script;
  }
  return null;
}

function hasOpenBlasHeaders() {
  const dirs = [
    '/usr/include',
    '/usr/include/x86_64-linux-gnu/openblas-pthread',
    '/usr/include/openblas',
    '/usr/local/include',
    '/opt/homebrew/opt/openblas/include',
  ];
  return dirs.some((d) => existsSync(join(d, 'cblas.h')));
}

if (process.env.CURIO_SKIP_NATIVE === '1') skip('CURIO_SKIP_NATIVE=1');
if (!hasOpenBlasHeaders()) skip('OpenBLAS headers not found: apt-get install libopenblas-dev');
const gyp = findNodeGyp();
if (!gyp) skip('node-gyp not found beside npm');

const args = [gyp, 'rebuild'];
// Use the headers installed with node itself when present, so the build needs no network.
const nodeDir = resolve(dirname(process.execPath), '..');
if (existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodeDir}`);
const run = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: 'utf8' });
if (run.status !== 0) {
  const lines = `${run.stderr ?? ''}${run.stdout ?? ''}`.split('\n').filter((l) => /error/i.test(l));
  skip(`node-gyp failed: ${(lines[0] ?? run.error?.message ?? 'unknown error').trim().slice(0, 160)}`);
}
console.log('curio: native neural backend built (native/build/Release/curio_nn.node).');
