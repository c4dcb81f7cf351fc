import type Database from 'better-sqlite3';
import { assembleJson, type DeferredJson } from '../../core/index.js';

/**
 * One statement of a write transaction. Writes are described as data so the same transaction can run on
 * the caller's connection or be posted to the writer thread (`writer-thread.ts`) and run on its own.
 */
export interface WriteStep {
  sql: string;
  params: unknown[];
  /** Index of a param that is a `DeferredJson`, bound as its assembled JSON text where the step runs. */
  deferredJson?: number;
}

/** The buffers the steps' deferred JSON hands over, for a post's transfer list (each once: a repeat is an error there). */
export function handedOver(steps: readonly WriteStep[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const step of steps) {
    if (step.deferredJson !== undefined) for (const b of (step.params[step.deferredJson] as DeferredJson).transfer) buffers.add(b);
  }
  return [...buffers];
}

/**
 * Settings of every connection that commits: the store's own and the writer thread's. NORMAL in WAL mode
 * survives a killed process (the WAL is in the OS cache); only power loss can drop the last transactions.
 * That is the usual trade for ingest throughput. `secure_delete` zeroes what a delete frees (cells, and whole
 * pages put on the free list): without it an erased user's id stays readable in the file's free space.
 */
export const WRITE_PRAGMAS = ['synchronous = NORMAL', 'foreign_keys = ON', 'busy_timeout = 5000', 'secure_delete = ON'];

/** Per step: the plucked first column of the rows a RETURNING statement gave, or the number of rows changed. */
export type StepResult = unknown[] | number;

/** Compiles (or returns the cached) statement for a SQL text. */
export type StatementCache = (sql: string) => Database.Statement;

/** A statement cache on `db` that compiles each SQL text once: preparing costs more than running on the serving path. */
export function statementCache(db: Database.Database): StatementCache {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
}

/** Runs steps in order (call inside a transaction). */
function runSteps(prepare: StatementCache, steps: readonly WriteStep[]): StepResult[] {
  return steps.map(({ sql, params: given, deferredJson }) => {
    const stmt = prepare(sql);
    const params = deferredJson === undefined ? given : given.map((p, i) => (i === deferredJson ? assembleJson(p as DeferredJson) : p));
    return stmt.reader ? (stmt.pluck().all(params) as unknown[]) : stmt.run(params).changes;
  });
}

/** Runs steps in one transaction on a connection: the store's own, or the writer thread's. */
export interface StepTransactions {
  /** IMMEDIATE: takes the write lock up front, waiting out other writers, so the snapshot cannot turn stale. */
  write(steps: readonly WriteStep[]): StepResult[];
  /** DEFERRED, for read-only steps: one snapshot, no write lock. */
  read(steps: readonly WriteStep[]): StepResult[];
}

export function stepTransactions(db: Database.Database, prepare: StatementCache): StepTransactions {
  const run = db.transaction((steps: readonly WriteStep[]) => runSteps(prepare, steps));
  return { write: (steps) => run.immediate(steps), read: (steps) => run.deferred(steps) };
}

/** The total of rows changed over steps without RETURNING. */
export const changedRows = (results: readonly StepResult[]): number =>
  results.reduce<number>((n, r) => n + (typeof r === 'number' ? r : 0), 0);
