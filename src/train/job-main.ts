// The entry point of a training job's process (forked by the supervisor): the first message says which job.
import { runJobProcess, type JobStart } from './job-process.js';

let finished = false;
// The supervisor's process is gone (killed with the server): a job nobody watches stops; it is requeued and resumed later.
process.on('disconnect', () => {
  if (!finished) process.exit(1);
});
process.once('message', (start: JobStart) => {
  void runJobProcess(start).finally(() => {
    finished = true;
    process.disconnect?.();
  });
});
