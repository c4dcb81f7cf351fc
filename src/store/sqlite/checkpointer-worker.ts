// The checkpointer's thread (started by `checkpointer.ts`): a PASSIVE checkpoint every `intervalMs` until told to stop.
import { backgroundConnection } from './background-worker.js';

const { data, db, port } = backgroundConnection<{ intervalMs: number }>();
db.pragma('busy_timeout = 50');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or closing: the next tick retries
  }
}, data.intervalMs);
port.on('message', () => {
  clearInterval(timer);
  db.close();
  port.close();
});
