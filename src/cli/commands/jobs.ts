import type { Command } from 'commander';
import { createProgress } from '../../core/index.js';
import { JOB_KINDS, openStore, type Job, type JobKind } from '../../store/index.js';
import { cancelJob, enqueueJob } from '../../train/index.js';
import { configFrom, withStoreOptions } from '../options.js';

type Opts = { config?: string; store?: string; json?: boolean };

async function run(opts: Opts, work: (store: Awaited<ReturnType<typeof openStore>>) => Promise<void>): Promise<void> {
  const store = await openStore(configFrom(opts).store.url);
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

const line = (j: Job): string =>
  `${j.id}  ${j.kind.padEnd(11)} ${j.state.padEnd(9)} ${(j.progress.fraction * 100).toFixed(0).padStart(3)}%  ${j.progress.step}`;

/** `curio jobs [list|show|start|cancel]`: the trainer's jobs (run by `curio serve` or `curio worker`). */
export function register(program: Command): void {
  const jobs = program.command('jobs').description('training jobs: list them, follow one, queue one, cancel one');
  withStoreOptions(jobs.command('list', { isDefault: true }))
    .description('the newest jobs with their progress')
    .option('--json', 'print JSON')
    .action((opts: Opts) =>
      run(opts, async (store) => {
        const list = await store.listJobs({ limit: 20 });
        if (opts.json) console.log(JSON.stringify(list, null, 2));
        else console.log(list.length === 0 ? 'no jobs yet' : list.map(line).join('\n'));
      }),
    );
  withStoreOptions(jobs.command('show <id>'))
    .description('one job with its log')
    .action((id: string, opts: Opts) =>
      run(opts, async (store) => {
        const job = await store.getJob(id);
        console.log(job ? `${line(job)}\n\n${job.log.join('\n')}${job.error ? `\n\nerror: ${job.error}` : ''}` : `no job ${id}`);
      }),
    );
  withStoreOptions(jobs.command('start [kind]'))
    .description('queue a job: retrain (default), incremental, or pictures (the image encoder); a running trainer picks it up')
    .action((kind: string | undefined, opts: Opts) =>
      run(opts, async (store) => {
        const chosen = (kind ?? 'retrain') as JobKind;
        if (!JOB_KINDS.includes(chosen)) throw new Error(`unknown job kind "${kind}": ${JOB_KINDS.join(', ')}`);
        console.log(line(await enqueueJob(store, chosen, 'cli', {})));
      }),
    );
  withStoreOptions(jobs.command('watch [id]'))
    .description('follow a job (default: the newest) with a progress bar until it ends; a line per step off a terminal')
    .action((id: string | undefined, opts: Opts) =>
      run(opts, async (store) => {
        const first = id ? await store.getJob(id) : (await store.listJobs({ limit: 1 }))[0];
        if (!first) return console.log(id ? `no job ${id}` : 'no jobs yet');
        const bar = createProgress({ label: `${first.kind} ${first.id}`, unit: '%', total: 100, fields: ['step'] });
        let shown = 0;
        let step = '';
        for (;;) {
          const job = (await store.getJob(first.id))!;
          const percent = Math.floor(job.progress.fraction * 100);
          if (percent > shown || job.progress.step !== step) {
            bar.tick(Math.max(0, percent - shown), { step: job.progress.step });
            shown = Math.max(shown, percent);
            step = job.progress.step;
          }
          if (job.state !== 'queued' && job.state !== 'running') {
            bar.stop();
            console.log(`${line(job)}${job.error ? `\nerror: ${job.error}` : ''}`);
            return;
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
      }),
    );
  withStoreOptions(jobs.command('cancel <id>'))
    .description('cancel a queued or running job')
    .action((id: string, opts: Opts) => run(opts, async (store) => console.log(line(await cancelJob(store, id)))));
}
