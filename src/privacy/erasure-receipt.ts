import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Store } from '../store/index.js';

/**
 * Everywhere an erasure reaches, in the order a receipt lists them: the store's rows and the space they
 * held, what every serving process keeps in memory, the cluster's shared state, and trained models.
 */
export const ERASURE_TARGETS = [
  'events',
  'impressions',
  'decisions',
  'user',
  'storage',
  'servingCaches',
  'slateContexts',
  'segments',
  'intent',
  'experiments',
  'redis',
  'eventBus',
  'servingModel',
  'models',
] as const;
export type ErasureTarget = (typeof ERASURE_TARGETS)[number];

/**
 * `done`: nothing of the user is left there. `pending`: it will be, by `deadline`. `failed`: the last attempt
 * failed and is tried again (pending for the receipt). `limited`: what Curio cannot remove itself; `detail`
 * says what stays and until when (PostgreSQL's dead tuples until VACUUM).
 */
export type TargetState = 'done' | 'pending' | 'failed' | 'limited';

/** Model versions an erasure touched (the `models` target). */
export interface ModelVersionsReport {
  /** Versions with a row of parameters per user: the user's row was zeroed and its id blanked. */
  rowsRemoved: string[];
  /** Versions trained on data that held the user, still stored: replaced by a retrain, then deleted. */
  awaitingRetrain: string[];
  /** Such versions deleted (they no longer served, or a retrain replaced them). */
  deleted: string[];
  /** The retrain queued to replace a serving version trained on the user's data, if one was needed. */
  retrainJob: string | null;
}

export interface TargetReport {
  state: TargetState;
  /** How many were removed, when it is a count: rows, entries, keys or messages, as `detail` says. */
  removed?: number;
  /** When it was done (ISO); null until then. */
  at: string | null;
  /** By when a pending target will be done (ISO). */
  deadline?: string;
  /** What was removed where, or what is left and why. */
  detail: string;
  versions?: ModelVersionsReport;
}

/** What `GET /v1/admin/erasures/:id` shows. No raw id and no stored id: `subject` is the stored id's SHA-256. */
export interface ErasureReceipt {
  id: string;
  /** Hex SHA-256 of the stored (pseudonymised) user id: an admin who knows the id can check it, nobody can read it back. */
  subject: string;
  requestedAt: string;
  /** `done` once no target is pending or failed. */
  state: 'pending' | 'done';
  /** The last target's time once done. */
  completedAt: string | null;
  /** A pending target is past its deadline. */
  overdue: boolean;
  targets: Partial<Record<ErasureTarget, TargetReport>>;
}

/** An erasure still waiting for a target: what the sweeps that finish them need. */
export interface PendingErasure {
  id: string;
  subject: string;
  requestedAt: string;
}

const RECEIPT = 'erasure:';
const PENDING = 'erasure-pending:';

/** The receipt's handle on a user: hex SHA-256 of the stored (pseudonymised) id. */
export function erasureSubject(storedUserId: string): string {
  return createHash('sha256').update(storedUserId, 'utf8').digest('hex');
}

/** A new, time-ordered erasure id. */
export const newErasureId = (): string => `er-${uuidv7()}`;

/** Ids are ours (`er-<uuid>`): anything else names no receipt, and must not reach a state key. */
const ERASURE_ID = /^er-[0-9a-f-]{36}$/;

interface ReceiptRecord {
  id: string;
  subject: string;
  requestedAt: string;
}

/**
 * Erasure receipts in the store's state table. Each target is a key of its own (`erasure:<id>:<target>`):
 * the node that erased the user, the node that purges the bus and the trainer that retires models each
 * write their own targets, so none overwrites another's. `erasure-pending:<id>` lists the unfinished ones.
 */
export class ErasureReceipts {
  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Stores a new receipt with its first reports; it is listed as pending while any target is. */
  async create(record: PendingErasure, targets: Partial<Record<ErasureTarget, TargetReport>>): Promise<ErasureReceipt> {
    await this.store.putState(`${RECEIPT}${record.id}`, { id: record.id, subject: record.subject, requestedAt: record.requestedAt });
    for (const [target, report] of Object.entries(targets)) await this.store.putState(`${RECEIPT}${record.id}:${target}`, report);
    const receipt = assemble(record, targets, this.clock());
    if (receipt.state === 'pending') await this.store.putState(`${PENDING}${record.id}`, record);
    return receipt;
  }

  /** Replaces one target's report; the receipt leaves the pending list once nothing is pending. */
  async report(id: string, target: ErasureTarget, report: TargetReport): Promise<void> {
    await this.store.putState(`${RECEIPT}${id}:${target}`, report);
    await this.settle(id);
  }

  /** The receipt, or null for an unknown id. */
  async get(id: string): Promise<ErasureReceipt | null> {
    if (!ERASURE_ID.test(id)) return null;
    const record = (await this.store.getState(`${RECEIPT}${id}`)) as ReceiptRecord | null;
    if (!record) return null;
    const targets: Partial<Record<ErasureTarget, TargetReport>> = {};
    for (const { key, value } of await this.store.listState(`${RECEIPT}${id}:`, { limit: ERASURE_TARGETS.length + 1 })) {
      const target = key.slice(`${RECEIPT}${id}:`.length) as ErasureTarget;
      if (ERASURE_TARGETS.includes(target)) targets[target] = value as TargetReport;
    }
    return assemble(record, targets, this.clock());
  }

  /** Receipts with a target still pending, oldest first. */
  async pending(): Promise<PendingErasure[]> {
    const out: PendingErasure[] = [];
    for (let after: string | undefined; ;) {
      const page = await this.store.listState(PENDING, { after, limit: 100 });
      out.push(...page.map((p) => p.value as PendingErasure));
      if (page.length < 100) return out;
      after = page[page.length - 1].key;
    }
  }

  /** Takes a receipt off the pending list when none of its targets is pending any more. */
  async settle(id: string): Promise<void> {
    const receipt = await this.get(id);
    if (receipt && receipt.state === 'done') await this.store.deleteState(`${PENDING}${id}`);
  }
}

function assemble(record: ReceiptRecord, found: Partial<Record<ErasureTarget, TargetReport>>, nowMs: number): ErasureReceipt {
  const targets: Partial<Record<ErasureTarget, TargetReport>> = {};
  for (const target of ERASURE_TARGETS) if (found[target]) targets[target] = found[target];
  const reports = Object.values(targets);
  const open = reports.filter((r) => r.state === 'pending' || r.state === 'failed');
  const times = reports.map((r) => r.at).filter((at): at is string => at !== null);
  return {
    id: record.id,
    subject: record.subject,
    requestedAt: record.requestedAt,
    state: open.length === 0 ? 'done' : 'pending',
    completedAt: open.length === 0 ? (times.sort().at(-1) ?? record.requestedAt) : null,
    overdue: open.some((r) => r.deadline !== undefined && Date.parse(r.deadline) < nowMs),
    targets,
  };
}
