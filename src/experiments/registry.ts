import { z } from 'zod';
import { CurioError, parseOrThrow } from '../core/index.js';
import { createPolicy } from '../explore/index.js';
import type { Store } from '../store/index.js';
import {
  armSchema,
  experimentInputSchema,
  TRANSITIONS,
  type Experiment,
  type ExperimentInput,
  type PreEvaluation,
  type Surface,
} from './experiment.js';

/** The store state key the experiments are kept under (one JSON list: a shop runs a handful). */
const STATE_KEY = 'experiments';

const weightsSchema = z.object({ arms: z.array(armSchema.pick({ id: true, weight: true })).min(1) }).strict();

/**
 * Experiments kept in the store, with the running one per surface cached for the request path. Changes
 * made here are seen at once; those made by another node within `refreshMs`. Writes read, change and save
 * the whole list: two admins changing experiments on two nodes in the same instant can lose one change
 * (docs/experiments.md).
 */
export class ExperimentRegistry {
  private running = new Map<Surface, Experiment>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly refreshMs = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    await this.reload();
    if (this.refreshMs > 0) this.timer = setInterval(() => void this.reload().catch(() => undefined), this.refreshMs).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The experiment running on a surface now, if any (no store read). */
  runningOn(surface: Surface): Experiment | undefined {
    return this.running.get(surface);
  }

  async list(): Promise<Experiment[]> {
    const raw = await this.store.getState(STATE_KEY);
    return Array.isArray(raw) ? (raw as Experiment[]) : [];
  }

  async get(id: string): Promise<Experiment> {
    const found = (await this.list()).find((e) => e.id === id);
    if (!found) throw new CurioError('NOT_FOUND', `no experiment "${id}"`);
    return found;
  }

  /** Creates a draft; CONFLICT when the id is taken. */
  async create(input: ExperimentInput): Promise<Experiment> {
    const parsed = parseOrThrow(experimentInputSchema, input, 'experiment');
    const problems = parsed.arms.flatMap((arm, k) => {
      if (!arm.policy) return [];
      try {
        createPolicy(arm.policy, arm.policyParams ?? {});
        return [];
      } catch (error) {
        return [{ path: `arms.${k}.policy`, message: error instanceof Error ? error.message : String(error) }];
      }
    });
    for (const [k, arm] of parsed.arms.entries()) {
      if (!arm.model) continue;
      const version = await this.store.getModelVersion(arm.model);
      if (!version) problems.push({ path: `arms.${k}.model`, message: `no model version "${arm.model}"` });
      else if (version.state === 'rejected')
        problems.push({ path: `arms.${k}.model`, message: `version "${arm.model}" was rejected: ${version.reason}` });
    }
    if (problems.length > 0) throw new CurioError('BAD_INPUT', 'invalid experiment', { problems });
    const all = await this.list();
    if (all.some((e) => e.id === parsed.id)) throw new CurioError('CONFLICT', `experiment "${parsed.id}" exists`);
    const now = this.clock();
    const experiment: Experiment = {
      ...parsed,
      state: 'draft',
      createdAt: now,
      startedAt: null,
      stoppedAt: null,
      history: [{ at: now, change: 'created' }],
    };
    await this.save([...all, experiment]);
    return experiment;
  }

  /** start, pause or stop. Starting fails with CONFLICT while another experiment runs on the same surface. */
  async transition(id: string, action: keyof typeof TRANSITIONS): Promise<Experiment> {
    const all = await this.list();
    const experiment = all.find((e) => e.id === id);
    if (!experiment) throw new CurioError('NOT_FOUND', `no experiment "${id}"`);
    const rule = TRANSITIONS[action];
    if (!rule.from.includes(experiment.state)) {
      throw new CurioError('CONFLICT', `cannot ${action} experiment "${id}": it is ${experiment.state}`);
    }
    if (action === 'start') {
      const owner = all.find((e) => e.id !== id && e.state === 'running' && e.surface === experiment.surface);
      if (owner) throw new CurioError('CONFLICT', `experiment "${owner.id}" already runs on ${experiment.surface}; pause or stop it first`);
    }
    const now = this.clock();
    experiment.state = rule.to;
    if (action === 'start' && experiment.startedAt === null) experiment.startedAt = now;
    if (action === 'stop') experiment.stoppedAt = now;
    experiment.history.push({ at: now, change: action });
    await this.save(all);
    return experiment;
  }

  /** New traffic weights for some arms (ids must exist); users move only into or out of the arms that changed. */
  async setWeights(id: string, input: unknown): Promise<Experiment> {
    const { arms } = parseOrThrow(weightsSchema, input, 'weights');
    const all = await this.list();
    const experiment = all.find((e) => e.id === id);
    if (!experiment) throw new CurioError('NOT_FOUND', `no experiment "${id}"`);
    if (experiment.state === 'stopped') throw new CurioError('CONFLICT', `experiment "${id}" is stopped`);
    const problems = arms.flatMap((a, k) =>
      experiment.arms.some((x) => x.id === a.id) ? [] : [{ path: `arms.${k}.id`, message: `no arm "${a.id}" in ${id}` }],
    );
    if (problems.length > 0) throw new CurioError('BAD_INPUT', `unknown arms in ${id}`, { problems });
    for (const a of arms) (experiment.arms.find((x) => x.id === a.id) as { weight: number }).weight = a.weight;
    experiment.history.push({ at: this.clock(), change: `weights ${arms.map((a) => `${a.id}=${a.weight}`).join(' ')}` });
    await this.save(all);
    return experiment;
  }

  /** Keeps an off-policy pre-evaluation with the experiment (replacing the previous one). */
  async setPreEvaluation(id: string, preEvaluation: PreEvaluation): Promise<Experiment> {
    const all = await this.list();
    const experiment = all.find((e) => e.id === id);
    if (!experiment) throw new CurioError('NOT_FOUND', `no experiment "${id}"`);
    experiment.preEvaluation = preEvaluation;
    experiment.history.push({ at: this.clock(), change: 'pre-evaluated' });
    await this.save(all);
    return experiment;
  }

  private async save(all: Experiment[]): Promise<void> {
    await this.store.putState(STATE_KEY, all);
    this.cache(all);
  }

  private async reload(): Promise<void> {
    this.cache(await this.list());
  }

  private cache(all: Experiment[]): void {
    this.running = new Map(all.filter((e) => e.state === 'running').map((e) => [e.surface, e]));
  }
}
