import type { Command } from 'commander';
import { openStore } from '../../store/index.js';
import { TrainingSupervisor } from '../../train/index.js';
import { configFrom, withStoreOptions } from '../options.js';

/** `curio worker`: the trainer alone, for servers run with training.worker=false (another machine, a cluster). */
export function register(program: Command): void {
  withStoreOptions(program.command('worker'))
    .description('run training jobs (schedule, new events, queued by the API) until SIGTERM/SIGINT; curio serve runs one itself by default')
    .action(async (opts: { config?: string; store?: string }) => {
      const config = configFrom(opts);
      const store = await openStore(config.store.url, { backgroundCheckpoints: true });
      const supervisor = new TrainingSupervisor({ store, config });
      supervisor.start();
      console.log(`Curio trainer ${supervisor.workerId} on ${config.store.url}`);
      // The supervisor's timer does not hold the process open (inside a server it must not); this wait does.
      const keepAlive = setInterval(() => undefined, 60_000);
      await new Promise<void>((done) => {
        const stop = () => done();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      clearInterval(keepAlive);
      await supervisor.stop();
      await store.close();
    });
}
