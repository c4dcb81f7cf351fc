import { readFileSync } from 'node:fs';
import { CurioError, isEventType, type EventType, type Problem } from '../core/index.js';
import { createSequenceBuilder, assertNonEmpty, type SequenceDataset } from './dataset.js';

/** File formats `readDataset` understands. */
export const DATASET_FORMATS = ['sequences', 'rechorus'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export interface ReadDatasetOptions {
  /** Default: `rechorus` for .csv/.tsv files, `sequences` otherwise. */
  format?: DatasetFormat;
  /** The behaviour recorded for every event of formats that carry none. Default purchase. */
  eventType?: EventType;
  /** An `{ "<item id>": [attr, ...] }` JSON file (S3-Rec `*_item2attributes.json`). */
  attributesPath?: string;
}

/** Reads a dataset file: `sequences` (`user item item ...` per line, time order) or ReChorus TSV. */
export function readDataset(path: string, options: ReadDatasetOptions = {}): SequenceDataset {
  const format = options.format ?? (/\.(csv|tsv)$/i.test(path) ? 'rechorus' : 'sequences');
  const text = readText(path);
  const type = options.eventType ?? 'purchase';
  const ds = format === 'sequences' ? parseSequences(text, type, path) : parseRechorus(text, type, path);
  assertNonEmpty(ds, path);
  return options.attributesPath ? withAttributes(ds, readText(options.attributesPath), options.attributesPath) : ds;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CurioError('NOT_FOUND', `cannot read ${path}`, { cause });
  }
}

/** Parses the `sequences` format; events get times 0, 1, 2, ... NaN (order only). */
export function parseSequences(text: string, type: EventType, source = 'input'): SequenceDataset {
  const builder = createSequenceBuilder();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const fields = lines[n].trim().split(/\s+/);
    if (fields.length < 2) {
      if (fields[0] === '') continue;
      throw new CurioError('BAD_INPUT', `${source}:${n + 1}: a line needs a user and at least one item`);
    }
    for (let k = 1; k < fields.length; k++) builder.add(fields[0], fields[k], type, Number.NaN);
  }
  return builder.build();
}

/** Parses ReChorus `user_id\titem_id\ttime` (unix seconds) with a header line. */
export function parseRechorus(text: string, type: EventType, source = 'input'): SequenceDataset {
  const lines = text.split('\n');
  const header = lines[0].trim().split('\t');
  const col = (name: string): number => header.indexOf(name);
  const [cu, ci, ct] = [col('user_id'), col('item_id'), col('time')];
  if (cu < 0 || ci < 0) throw new CurioError('BAD_INPUT', `${source}:1: header needs user_id and item_id`);
  const problems: Problem[] = [];
  const builder = createSequenceBuilder();
  for (let n = 1; n < lines.length; n++) {
    if (lines[n].trim() === '') continue;
    const f = lines[n].split('\t');
    const seconds = ct < 0 ? Number.NaN : Number(f[ct]);
    if (!f[cu] || !f[ci] || (ct >= 0 && !Number.isFinite(seconds))) {
      problems.push({ path: `${source}:${n + 1}`, message: 'needs user_id, item_id and a numeric time' });
      if (problems.length >= 20) break;
      continue;
    }
    const rowType = f[col('type')];
    builder.add(f[cu], f[ci], rowType && isEventType(rowType) ? rowType : type, seconds * 1000);
  }
  if (problems.length > 0) throw new CurioError('BAD_INPUT', `${source}: malformed rows`, { problems });
  return builder.build();
}

function withAttributes(ds: SequenceDataset, json: string, source: string): SequenceDataset {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new CurioError('BAD_INPUT', `${source}: not JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null) throw new CurioError('BAD_INPUT', `${source}: expected an object`);
  const byId = parsed as Record<string, unknown>;
  const itemAttributes = ds.items.map((id) => {
    const list = byId[id];
    return Array.isArray(list) ? Int32Array.from(list.map(Number)) : undefined;
  });
  return { ...ds, itemAttributes };
}
