import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { badInput, CurioError, type Problem } from '../../core/index.js';

/** One Open Bandit Dataset impression (one row of `{campaign}.csv`). */
export interface ObdRecord {
  timestampMs: number;
  itemId: number;
  /** 0-based (the file's 1/2/3 = left/centre/right). */
  position: number;
  click: number;
  /** The behaviour policy's propensity of this item in this position. */
  propensity: number;
  /** Hashed categorical user features. */
  userFeatures: string[];
  /** Past clicks of this user per item, indexed by item id. */
  affinity: number[];
}

export interface ObdItem {
  itemId: number;
  /** item_feature_0 (numeric, standardised). */
  numeric: number;
  /** item_feature_1..3 (hashed categoricals). */
  categorical: string[];
}

export interface ObdLogs {
  records: ObdRecord[];
  items: ObdItem[];
  itemCount: number;
  /** Largest position + 1. */
  slateSize: number;
}

function readCsv(path: string): string[][] {
  try {
    return parse(readFileSync(path, 'utf8'), { skip_empty_lines: true }) as string[][];
  } catch (cause) {
    throw new CurioError('BAD_INPUT', `cannot read ${path}`, { cause });
  }
}

function parseRecord(row: string[], col: (name: string) => number, affinityCols: number[]): ObdRecord | string {
  const n = (name: string) => Number(row[col(name)]);
  const record: ObdRecord = {
    timestampMs: Date.parse(row[col('timestamp')].replace(' ', 'T')),
    itemId: n('item_id'),
    position: n('position') - 1,
    click: n('click'),
    propensity: n('propensity_score'),
    userFeatures: [0, 1, 2, 3].map((i) => row[col(`user_feature_${i}`)] ?? ''),
    affinity: affinityCols.map((c) => Number(row[c])),
  };
  if (!Number.isInteger(record.itemId) || record.itemId < 0) return 'item_id must be a non-negative integer';
  if (!Number.isInteger(record.position) || record.position < 0) return 'position must be 1, 2, 3, ...';
  if (record.click !== 0 && record.click !== 1) return 'click must be 0 or 1';
  if (!(record.propensity > 0 && record.propensity <= 1)) return 'propensity_score must be in (0, 1]';
  return record;
}

/**
 * Reads one Open Bandit Dataset folder, e.g. `open-bandit-small/random/men`: the campaign csv (the one
 * that is not item_context.csv) and item_context.csv. Rows that do not parse are reported as problems.
 */
export function readObdLogs(dir: string): ObdLogs {
  const csvName = readdirSync(dir).find((f) => f.endsWith('.csv') && f !== 'item_context.csv');
  if (!csvName) throw new CurioError('NOT_FOUND', `no campaign csv in ${dir}`);
  const [header, ...rows] = readCsv(join(dir, csvName));
  const col = (name: string): number => header.indexOf(name);
  const missing = ['timestamp', 'item_id', 'position', 'click', 'propensity_score'].filter((c) => col(c) < 0);
  if (missing.length)
    throw badInput(
      `${csvName}: missing columns`,
      missing.map((c) => ({ path: csvName, message: `no column ${c}` })),
    );
  const affinityCols = header.map((h, i) => (h.startsWith('user-item_affinity_') ? i : -1)).filter((i) => i >= 0);
  const problems: Problem[] = [];
  const records: ObdRecord[] = [];
  rows.forEach((row, i) => {
    const r = parseRecord(row, col, affinityCols);
    if (typeof r === 'string') problems.push({ path: `${csvName}:${i + 2}`, message: r });
    else records.push(r);
  });
  if (problems.length) throw badInput(`${csvName}: ${problems.length} bad rows`, problems);
  const items = readCsv(join(dir, 'item_context.csv'))
    .slice(1)
    .map((row) => ({
      itemId: Number(row[1]),
      numeric: Number(row[2]),
      categorical: row.slice(3),
    }));
  const itemCount = Math.max(affinityCols.length, ...records.map((r) => r.itemId + 1), items.length);
  return { records, items, itemCount, slateSize: Math.max(...records.map((r) => r.position)) + 1 };
}
