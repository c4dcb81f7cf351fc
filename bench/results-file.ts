/**
 * Results files that several runs add rows to (quality-beauty.json's `models`, ablation-beauty.json's
 * `variants`): each run re-reads the file just before it writes and replaces only its own row.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Sets `file[section][key] = row`, keeping every other entry; a new file starts as `{ dataset }`. */
export function mergeRow(path: string, section: string, key: string, row: Record<string, unknown>, dataset: string): void {
  mkdirSync('bench/results', { recursive: true });
  const previous = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : { dataset };
  const rows = (previous[section] ?? {}) as Record<string, unknown>;
  writeFileSync(path, `${JSON.stringify({ ...previous, [section]: { ...rows, [key]: row } }, null, 2)}\n`);
}
