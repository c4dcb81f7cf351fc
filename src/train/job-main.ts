// The entry point of a training job's process (forked by the supervisor): the first message says which job.
import { runJobProcess, type JobStart } from './job-process.js';

process.once('message', (start: JobStart) => {
  void runJobProcess(start).finally(() => process.disconnect?.());
});
