// Bundles the tracker into one minified script (dist/curio.js, defining window.curio) and fails when it
// is over its budget gzipped: a storefront pays for every byte on every page.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const GZIP_BUDGET_BYTES = 6 * 1024;
const ROOT = join(import.meta.dirname, '..');
const outfile = join(ROOT, 'dist', 'curio.js');

await build({
  entryPoints: [join(ROOT, 'src', 'index.ts')],
  outfile,
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const bytes = readFileSync(outfile);
const gzipped = gzipSync(bytes, { level: 9 }).length;
console.log(`@curio/browser: dist/curio.js ${bytes.length} B, ${gzipped} B gzipped (budget ${GZIP_BUDGET_BYTES} B)`);
if (gzipped > GZIP_BUDGET_BYTES) {
  console.error(`@curio/browser: the tracker is ${gzipped - GZIP_BUDGET_BYTES} B over its gzipped budget`);
  process.exit(1);
}
