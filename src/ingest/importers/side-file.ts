import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CurioError } from '../../core/index.js';

/**
 * The side file to use: the one given, else `candidate(basename)` beside the main file when it exists,
 * else none. A given file that does not exist is an error; a missing auto-detected one is not.
 */
export function sideFile(main: string, given: string | undefined, candidate: (base: string) => string): string | null {
  if (given !== undefined) {
    if (!existsSync(given)) throw new CurioError('BAD_INPUT', `side file ${given} does not exist`);
    return given;
  }
  const beside = join(dirname(main), candidate(basename(main)));
  return existsSync(beside) ? beside : null;
}

/** Reads a whole (small) side file; errors name the file. */
export function readSideFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CurioError('BAD_INPUT', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}
