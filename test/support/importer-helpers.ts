// Shared by the importer tests: dataset-shaped fixtures are read in place, crafted bad files go to a temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { Ingestor } from '../../src/ingest/ingestor.js';
import { runImport, type ImportOptions, type ImportReport } from '../../src/ingest/importers/run-import.js';

/**
 * test/fixtures, found from this file: small synthetic files in the names and formats of the research
 * datasets, made by scripts/make-fixtures.mjs (see test/fixtures/README.md), so the tests need nothing
 * beside the clone.
 */
export const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

export interface ImportedTwice {
  store: Store;
  first: ImportReport;
  second: ImportReport;
}

/** Imports a file into a fresh in-memory store, then again; the caller closes the store. */
export async function importTwice(options: Omit<ImportOptions, 'ingestor'>): Promise<ImportedTwice> {
  const store = await openStore('sqlite::memory:');
  const ingestor = new Ingestor({ store, idSecret: null });
  const first = await runImport({ ...options, ingestor });
  const second = await runImport({ ...options, ingestor });
  return { store, first, second };
}

/** Imports once into a fresh in-memory store. */
export async function importOnce(options: Omit<ImportOptions, 'ingestor'>): Promise<{ store: Store; report: ImportReport }> {
  const store = await openStore('sqlite::memory:');
  const report = await runImport({ ...options, ingestor: new Ingestor({ store, idSecret: null }) });
  return { store, report };
}

/** Writes `content` to `name` in a new temp dir (optionally beside other files), removed when the test ends; returns its path. */
export function craftFile(name: string, content: string, beside: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'curio-import-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  for (const [n, c] of Object.entries(beside)) writeFileSync(join(dir, n), c);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
