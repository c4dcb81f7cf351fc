import cliProgress from 'cli-progress';

/** Reports progress of long work: units done, throughput and ETA. */
export interface Progress {
  /** Adds `n` units; `fields` updates the extra values shown (e.g. loss). */
  tick(n?: number, fields?: Record<string, string | number>): void;
  /** Sets the total once it becomes known (e.g. after sizing a file). */
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  /** Units, e.g. "rows", "seq". */
  unit: string;
  total?: number;
  /** Extra fields shown after the bar, e.g. ['loss']. */
  fields?: string[];
  /** Where to draw; defaults to stderr. A non-TTY stream gets one line per update interval. */
  stream?: NodeJS.WritableStream;
  /** Silent progress for tests and library use. */
  silent?: boolean;
}

const SILENT: Progress = { tick: () => {}, setTotal: () => {}, stop: () => {} };

/** Seconds between the lines written when the stream is not a terminal. */
const LINE_SECONDS = 5;

/**
 * Off a terminal (a log file, CI): one line at most every LINE_SECONDS, written from `tick` itself.
 * cli-progress draws those lines on a timer, which never fires while a synchronous loop (training a
 * network batch by batch) holds the event loop: such work printed its first line and then nothing.
 */
function lineProgress(options: ProgressOptions, stream: NodeJS.WritableStream): Progress {
  const started = Date.now();
  let done = 0;
  let total = options.total ?? 0;
  let last = started;
  let fields: Record<string, string | number> = {};
  const line = () => {
    const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
    const rate = done / seconds;
    const percent = total > 0 ? `${Math.floor((100 * done) / total)}% | ` : '';
    const eta = total > done && rate > 0 ? ` | ETA ${Math.round((total - done) / rate)}s` : '';
    const extra = (options.fields ?? []).map((f) => ` | ${f} ${fields[f] ?? '-'}`).join('');
    stream.write(
      `${options.label} ${percent}${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${options.unit} | ` +
        `${Math.round(rate).toLocaleString('en-US')} ${options.unit}/s | ${Math.round(seconds)}s${eta}${extra}\n`,
    );
  };
  return {
    tick(n = 1, next = {}) {
      done += n;
      if (done > total) total = done;
      fields = { ...fields, ...next };
      if (Date.now() - last < LINE_SECONDS * 1000) return;
      last = Date.now();
      line();
    },
    setTotal(next) {
      total = next;
    },
    stop: line,
  };
}

/** A progress bar on stderr with throughput ("{rate} rows/s") and ETA; a line every few seconds off a terminal. */
export function createProgress(options: ProgressOptions): Progress {
  if (options.silent) return SILENT;
  const stream = options.stream ?? process.stderr;
  if (!(stream as NodeJS.WriteStream).isTTY) return lineProgress(options, stream);
  const started = Date.now();
  let done = 0;
  let total = options.total ?? 0;
  const extra = (options.fields ?? []).map((f) => ` | ${f} {${f}}`).join('');
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label} [{bar}] {percentage}% | {value}/{total} ${options.unit} | {rate} ${options.unit}/s | ETA {eta_formatted}${extra}`,
      stream,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
      hideCursor: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const initial = Object.fromEntries((options.fields ?? []).map((f) => [f, '-']));
  bar.start(total, 0, { rate: '0', ...initial });
  return {
    tick(n = 1, fields = {}) {
      done += n;
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
      if (done > total) bar.setTotal((total = done));
      bar.update(done, { rate: Math.round(done / seconds).toLocaleString('en-US'), ...fields });
    },
    setTotal(next) {
      total = next;
      bar.setTotal(next);
    },
    stop() {
      bar.stop();
    },
  };
}
