// The writer thread (started by `writer-thread.ts`): runs each posted transaction on its own connection
// and replies with the results or the error.
import { backgroundConnection } from './background-worker.js';
import { statementCache, stepTransactions, WRITE_PRAGMAS, type StepResult, type WriteStep } from './write-steps.js';

// Only types leave this module: importing a value would run the worker's code on the importing thread.

/** A transaction posted to the writer (`read`: read-only steps, without the write lock), or 'stop' to close the connection and end the thread. */
export type WriterMessage = { id: number; steps: WriteStep[]; read: boolean } | 'stop';

export interface WriterReply {
  id: number;
  results?: StepResult[];
  error?: { message: string; code?: string };
}

const { db, port } = backgroundConnection();
for (const pragma of WRITE_PRAGMAS) db.pragma(pragma);
const run = stepTransactions(db, statementCache(db));

port.on('message', (message: WriterMessage) => {
  if (message === 'stop') {
    db.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    reply = { id: message.id, results: message.read ? run.read(message.steps) : run.write(message.steps) };
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    reply = {
      id: message.id,
      error: { message: e instanceof Error ? e.message : String(e), code: typeof code === 'string' ? code : undefined },
    };
  }
  port.postMessage(reply);
});
