import type Database from 'better-sqlite3';

/**
 * One statement of a write transaction. Writes are described as data so the same transaction can run on
 * the caller's connection or be posted to the writer thread (`writer-thread.ts`) and run on its own.
 */
export interface WriteStep {
  sql: string;
  params: unknown[];
}

/** Per step: the plucked first column of the rows a RETURNING statement gave, or the number of rows changed. */
export type StepResult = unknown[] | number;

/**
 * Runs steps in order (call inside a transaction). `writer-thread.ts` runs the same loop in its worker; keep
 * the two alike.
 */
export function runSteps(prepare: (sql: string) => Database.Statement, steps: readonly WriteStep[]): StepResult[] {
  return steps.map(({ sql, params }) => {
    const stmt = prepare(sql);
    return stmt.reader ? (stmt.pluck().all(params) as unknown[]) : stmt.run(params).changes;
  });
}

/** The total of rows changed over steps without RETURNING. */
export const changedRows = (results: readonly StepResult[]): number => results.reduce<number>((n, r) => n + (typeof r === 'number' ? r : 0), 0);
