import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { CurioError } from '../../core/index.js';
import { experimentResults, ExperimentRegistry, USER_METRICS, type Experiment, type ExperimentResults } from '../../experiments/index.js';
import { audited } from '../../privacy/index.js';
import type { Store } from '../../store/index.js';
import { cliActor } from '../cli-actor.js';
import { withStore, withStoreOptions } from '../options.js';

type Opts = { config?: string; store?: string; json?: boolean };

const withRegistry = (opts: Opts, work: (registry: ExperimentRegistry, store: Store) => Promise<unknown>): Promise<void> =>
  withStore(opts, (store) => work(new ExperimentRegistry(store, 0), store));

/** A JSON file's value; a syntax error names the file and the line (Node's own parser does not say where). */
function readJson(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length === 0) return value;
  const line = text.slice(0, errors[0].offset).split('\n').length;
  throw new CurioError('BAD_INPUT', `${path}:${line}: not valid JSON (${printParseErrorCode(errors[0].error)})`);
}

const summary = (e: Experiment) => ({
  id: e.id,
  state: e.state,
  surface: e.surface,
  arms: e.arms.map((a) => `${a.id}:${a.weight}`).join(' '),
  primary: e.primaryMetric,
  started: e.startedAt === null ? '' : new Date(e.startedAt).toISOString(),
});

const fixed = (x: number | null, digits = 4): string => (x === null ? '–' : x.toFixed(digits));
const range = (i: { lower: number; upper: number }): string => `[${i.lower.toFixed(4)}, ${i.upper.toFixed(4)}]`;

/** The results as an operator reads them: arms, then each treatment against control, then warnings. */
function printResults(r: ExperimentResults): void {
  console.log(`${r.experiment.id} (${r.experiment.state}); primary metric ${r.primaryMetric}; control ${r.control}`);
  console.table(
    Object.fromEntries(
      r.arms.map((a) => [
        a.id,
        {
          users: a.users,
          impressions: a.impressions,
          ...Object.fromEntries(USER_METRICS.map((m) => [m, fixed(a.metrics[m])])),
          coverage: fixed(a.guardrails.coverage),
          diversity: fixed(a.guardrails.diversity),
        },
      ]),
    ),
  );
  for (const c of r.comparisons) {
    console.log(`${c.arm} vs ${r.control}`);
    console.table(
      Object.fromEntries(
        USER_METRICS.map((m) => {
          const x = c.metrics[m];
          if (!x) return [m, { difference: 'too few users' }];
          return [
            m,
            {
              difference: x.difference.toFixed(4),
              'always-valid 95%': x.sequential ? range(x.sequential.interval) : '–',
              'p (always valid)': x.sequential ? x.sequential.pValue.toFixed(4) : '–',
              lift: x.lift ? `${(100 * x.lift.value).toFixed(1)}%` : '–',
              'CUPED var. cut': x.cuped ? `${(100 * x.cuped.varianceReduction).toFixed(0)}%` : '–',
            },
          ];
        }),
      ),
    );
  }
  for (const w of r.warnings) console.log(`warning: ${w}`);
}

/** `curio experiments list|show|create|start|pause|stop|weights|results`: A/B tests kept in the store (docs/experiments.md). */
export function register(program: Command): void {
  const cmd = program.command('experiments').description('A/B tests: arms with traffic weights, one running experiment per surface');
  withStoreOptions(cmd.command('list'))
    .description('every experiment')
    .option('--json', 'print JSON')
    .action((opts: Opts) =>
      withRegistry(opts, async (registry) => {
        const all = await registry.list();
        if (opts.json) return all;
        if (all.length === 0) return 'no experiments yet (curio experiments create --file experiment.json)';
        console.table(all.map(summary));
        return undefined;
      }),
    );
  withStoreOptions(cmd.command('show <id>'))
    .description('one experiment with its history')
    .action((id: string, opts: Opts) => withRegistry(opts, (registry) => registry.get(id)));
  withStoreOptions(cmd.command('create'))
    .description('create a draft from a JSON definition (docs/experiments.md)')
    .requiredOption('--file <path>', 'the definition')
    .action((opts: Opts & { file: string }) =>
      withRegistry(opts, async (registry, store) => {
        const definition = readJson(opts.file);
        const created = await audited(store, { actor: cliActor(), action: 'curio experiments create', target: (e) => e.id }, () =>
          registry.create(definition as never),
        );
        return `created ${created.id} (draft)`;
      }),
    );
  for (const action of ['start', 'pause', 'stop'] as const) {
    withStoreOptions(cmd.command(`${action} <id>`))
      .description(`${action} an experiment (serving processes follow within 10 s)`)
      .action((id: string, opts: Opts) =>
        withRegistry(opts, async (registry, store) => {
          const changed = await audited(store, { actor: cliActor(), action: `curio experiments ${action}`, target: id }, () =>
            registry.transition(id, action),
          );
          return `${id} is ${changed.state}`;
        }),
      );
  }
  withStoreOptions(cmd.command('results <id>'))
    .description('per-arm business metrics and each arm against control, from the store (latency is in the server: GET …/results)')
    .option('--json', 'print JSON')
    .action((id: string, opts: Opts) =>
      withRegistry(opts, async (registry, store) => {
        const experiment = await registry.get(id);
        if (experiment.startedAt === null) throw new CurioError('CONFLICT', `experiment "${id}" has not started`);
        const results = await experimentResults(store, experiment);
        if (opts.json) return results;
        printResults(results);
        return undefined;
      }),
    );
  withStoreOptions(cmd.command('weights <id> <arm=weight...>'))
    .description("change arms' traffic weights; users move only into or out of the arms that changed")
    .action((id: string, pairs: string[], opts: Opts) =>
      withRegistry(opts, async (registry, store) => {
        const arms = pairs.map((p) => {
          const [arm, weight] = p.split('=');
          if (!arm || !(Number(weight) > 0)) throw new CurioError('BAD_INPUT', `"${p}": expected arm=weight with a weight > 0`);
          return { id: arm, weight: Number(weight) };
        });
        const e = await audited(store, { actor: cliActor(), action: 'curio experiments weights', target: id }, () =>
          registry.setWeights(id, { arms }),
        );
        return `${id}: ${e.arms.map((a) => `${a.id}=${a.weight}`).join(' ')}`;
      }),
    );
}
