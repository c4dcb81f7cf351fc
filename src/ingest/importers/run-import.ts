import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { CurioError, type Event, type Progress } from '../../core/index.js';
import type { Ingestor } from '../ingestor.js';
import { ItemWriter } from './items.js';
import { getImporter } from './registry.js';
import { isBadRow, type ImporterOptions, type ItemSeed, type ParsedRow } from './types.js';

export const ERROR_POLICIES = ['skip', 'fail'] as const;
export type ErrorPolicy = (typeof ERROR_POLICIES)[number];

export interface ImportOptions {
  format: string;
  file: string;
  ingestor: Ingestor;
  /** Events per committed batch (one transaction each). */
  batchEvents?: number;
  onError?: ErrorPolicy;
  /** Stop after this many rows (header and blank lines are not rows). */
  limitRows?: number;
  /** How many bad rows to keep in the report (all are counted). */
  keepErrors?: number;
  progress?: Progress;
  /** Aborting stops the import after the current chunk; what was committed stays. */
  signal?: AbortSignal;
  importer?: Partial<ImporterOptions>;
}

/** A bad row as shown to the user: `file:line: reason`. */
export interface RowProblem {
  file: string;
  line: number;
  reason: string;
}

export type ImportStatus = 'complete' | 'limit' | 'failed' | 'interrupted';

export interface ImportReport {
  format: string;
  file: string;
  status: ImportStatus;
  /** Why a failed import stopped. */
  message: string | null;
  rowsRead: number;
  eventsAccepted: number;
  duplicates: number;
  /** Events dropped because their user refused tracking. */
  refused: number;
  rejectedRows: number;
  itemsUpserted: number;
  /** Every row up to this line is either stored or rejected (0: nothing committed yet). */
  committedThroughLine: number;
  /** The first `keepErrors` bad rows. */
  errors: RowProblem[];
  seconds: number;
  eventsPerSecond: number;
}

export const DEFAULT_BATCH_EVENTS = 10_000;
/** Batch writes at once; two keep a database busy while the next batch is parsed. */
const WRITES_IN_FLIGHT = 2;

/** Runs one import: reads the file, writes in atomic batches, applies the error policy, never throws. */
export async function runImport(options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const name = basename(options.file);
  const report: ImportReport = {
    format: options.format,
    file: options.file,
    status: 'complete',
    message: null,
    rowsRead: 0,
    eventsAccepted: 0,
    duplicates: 0,
    refused: 0,
    rejectedRows: 0,
    itemsUpserted: 0,
    committedThroughLine: 0,
    errors: [],
    seconds: 0,
    eventsPerSecond: 0,
  };
  const finish = (): ImportReport => {
    report.seconds = (performance.now() - started) / 1000;
    report.eventsPerSecond = report.seconds > 0 ? Math.round(report.eventsAccepted / report.seconds) : 0;
    options.progress?.stop();
    return report;
  };
  try {
    // A rough size estimate (≈32 bytes a row) lets the store pick bulk mode for large files.
    const expectedEvents = Math.round((statSync(options.file, { throwIfNoEntry: false })?.size ?? 0) / 32);
    await options.ingestor.store.bulkLoad(expectedEvents, () => importRows(options, report, name));
  } catch (error) {
    report.status = 'failed';
    report.message = error instanceof CurioError ? error.message : `unexpected error: ${(error as Error).stack ?? String(error)}`;
  }
  return finish();
}

async function importRows(options: ImportOptions, report: ImportReport, name: string): Promise<void> {
  const importer = getImporter(options.format);
  const source = await importer.open(options.file, { sourceName: name, ...options.importer });
  const items = new ItemWriter(options.ingestor);
  report.itemsUpserted += await items.write(source.catalogue);
  const batchEvents = options.batchEvents ?? DEFAULT_BATCH_EVENTS;
  const keepErrors = options.keepErrors ?? 20;
  const limit = options.limitRows ?? Infinity;
  let pending: ParsedRow[] = [];
  let pendingEvents = 0;
  let lastLine = 0;

  // Up to WRITES_IN_FLIGHT batches are written while the next is parsed. On PostgreSQL each is a transaction
  // on a connection of its own, so the server works on two batches while this thread parses (SQLite's writer
  // thread takes them in turn). Batches may commit out of order: `committedThroughLine` advances only over
  // batches whose every predecessor has committed, and a resume from it stores a later batch's rows again as
  // duplicates, which ingestion leaves out. Items are written in file order, before their batch's events.
  const writes = new Set<Promise<void>>();
  const batches: Array<{ through: number; committed: boolean }> = [];
  let itemsWritten: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    const batch = { through: lastLine, committed: false };
    batches.push(batch);
    const events: Event[] = [];
    const seeds: ItemSeed[] = [];
    for (const row of pending) {
      for (const e of row.events) events.push(e);
      for (const s of row.items) seeds.push(s);
    }
    pending = [];
    pendingEvents = 0;
    const previousItems = itemsWritten;
    itemsWritten = (async () => {
      await previousItems;
      report.itemsUpserted += await items.write(seeds);
    })();
    const write = (async () => {
      await itemsWritten;
      const result = await options.ingestor.appendEvents(events);
      report.eventsAccepted += result.accepted;
      report.duplicates += result.duplicates;
      report.refused += result.refused.length;
      batch.committed = true;
      while (batches.length > 0 && batches[0].committed) report.committedThroughLine = batches.shift()!.through;
    })();
    writes.add(write);
    // A failed write stays in the set, so the next wait below (or the drain) sees it; never an unhandled rejection.
    write.then(
      () => writes.delete(write),
      () => undefined,
    );
    while (writes.size >= WRITES_IN_FLIGHT) await Promise.race(writes);
  };
  /** Waits until every write has settled, then fails with the first failure. */
  const settle = async (): Promise<void> => {
    const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  /** Writes what is pending and waits until every batch is committed. */
  const drain = async (): Promise<void> => {
    await flush().catch(() => undefined);
    await settle();
  };
  try {
    await readRows();
  } catch (error) {
    await Promise.allSettled(writes);
    throw error;
  }

  async function readRows(): Promise<void> {
    outer: for await (const chunk of source.rows) {
      for (const row of chunk) {
        if (report.rowsRead >= limit) {
          report.status = 'limit';
          break outer;
        }
        report.rowsRead++;
        if (isBadRow(row)) {
          report.rejectedRows++;
          if (report.errors.length < keepErrors) report.errors.push({ file: name, line: row.line, reason: row.reason });
          if (options.onError === 'fail') {
            await drain();
            report.status = 'failed';
            report.message = `${name}:${row.line}: ${row.reason}`;
            return;
          }
        } else {
          pending.push(row);
          pendingEvents += row.events.length;
        }
        lastLine = row.line;
        if (pendingEvents >= batchEvents) await flush();
      }
      options.progress?.setTotal(Math.round((report.rowsRead * source.totalBytes) / Math.max(source.bytesRead(), 1)));
      options.progress?.tick(chunk.length);
      if (options.signal?.aborted) {
        await settle();
        report.status = 'interrupted';
        report.message = 'interrupted; rows after the last committed line were not stored';
        return;
      }
    }
    await drain();
  }
}

/** `file:line: reason`, the form every bad row is reported in. */
export function formatProblem(problem: RowProblem): string {
  return `${problem.file}:${problem.line}: ${problem.reason}`;
}
