// Where the benches find what is not in the repository: the research datasets (CURIO_DATASETS) and the
// reference scripts beside them. Defaults are folders beside the clone, resolved against the repository root,
// so a bench finds them from any working directory. See docs/benchmarks.md.
import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is bench/datasets.ts). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Default of CURIO_DATASETS, relative to the repository root. */
export const DEFAULT_DATASETS = '../shared/datasets';

/** The datasets folder: $CURIO_DATASETS (a relative value counts from the working directory), else ../shared/datasets beside the clone. */
export function datasetsDir(): string {
  const set = process.env.CURIO_DATASETS;
  return set ? resolve(set) : resolve(REPO_ROOT, DEFAULT_DATASETS);
}

/** `parts` inside the datasets folder, checked to exist; the error says how to point the benches at the data. */
export function datasetPath(...parts: string[]): string {
  const path = join(datasetsDir(), ...parts);
  if (!existsSync(path)) {
    const from = process.env.CURIO_DATASETS
      ? `CURIO_DATASETS=${process.env.CURIO_DATASETS}`
      : `CURIO_DATASETS unset, so ${DEFAULT_DATASETS} beside the repository`;
    throw new Error(`dataset file ${path} not found (${from}); set CURIO_DATASETS to the folder that holds ${parts.join('/')}`);
  }
  return path;
}

/** A path relative to the repository root (e.g. `../shared/bench/x.py`), resolved to an absolute one. */
export function besideRepo(path: string): string {
  return resolve(REPO_ROOT, path);
}

/**
 * How a results file names a path without this machine's layout: relative to the datasets folder when inside
 * it (`amazon-s3rec/Beauty.txt`, as the results files name datasets), else relative to the repository root when
 * inside it, else by its file name alone.
 */
export function portablePath(path: string): string {
  const inData = relative(datasetsDir(), resolve(path));
  if (inside(inData)) return inData;
  const inRepo = relative(REPO_ROOT, resolve(path));
  // Anywhere else (a scratch store in /tmp, say) only the file's name travels: its directory is this machine's.
  return inside(inRepo) ? inRepo : basename(path);
}

/** Whether a relative path stays below the directory it is relative to. */
function inside(rel: string): boolean {
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
