import { Option, type Command } from 'commander';
import { CurioError, createProgress, EVENT_TYPES, type EventType } from '../../core/index.js';
import {
  DEFAULT_BATCH_EVENTS,
  ERROR_POLICIES,
  formatProblem,
  IMPORTERS,
  Ingestor,
  parseColumnMap,
  runImport,
  TIMESTAMP_UNITS,
  type ErrorPolicy,
  type ImporterOptions,
  type ImportReport,
  type TimestampUnit,
} from '../../ingest/index.js';
import { openStore } from '../../store/index.js';
import { configFrom, withStoreOptions } from '../options.js';

interface ImportFlags {
  config?: string;
  store?: string;
  batch: number;
  onError: ErrorPolicy;
  limit?: number;
  quiet?: boolean;
  json?: boolean;
  maxErrors: number;
  attributes?: string;
  map?: string;
  timestampUnit?: TimestampUnit;
  delimiter?: string;
  eventType?: EventType;
  policy?: string;
  source?: string;
}

function positiveInt(what: string): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new CurioError('BAD_INPUT', `${what} must be a positive integer, got "${raw}"`);
    return n;
  };
}

function formatsHelp(): string {
  const rows = [...IMPORTERS.values()].map((i) => `  ${i.id.padEnd(16)}${i.summary}`);
  return `\nFormats:\n${rows.join('\n')}\n\nExamples:\n  curio import sequences ../shared/datasets/amazon-s3rec/Beauty.txt --store sqlite:./beauty.db\n  curio import csv events.csv --map userId=customer,itemId=sku,type=action,timestamp=ts --timestamp-unit s\n\nSee docs/importers.md for each format's mapping and timestamp rules.`;
}

/** The summary the user reads; a stopped import always says how far it got. */
export function summaryLines(r: ImportReport, maxErrors: number): string[] {
  const lines = [
    `${r.format} ${r.file}: ${r.status}`,
    `  rows read        ${r.rowsRead.toLocaleString('en-US')}`,
    `  events accepted  ${r.eventsAccepted.toLocaleString('en-US')}`,
    `  duplicates       ${r.duplicates.toLocaleString('en-US')}`,
    `  rejected rows    ${r.rejectedRows.toLocaleString('en-US')}`,
    `  items upserted   ${r.itemsUpserted.toLocaleString('en-US')}`,
    `  seconds          ${r.seconds.toFixed(1)}`,
    `  events/s         ${r.eventsPerSecond.toLocaleString('en-US')}`,
  ];
  if (r.refused > 0) lines.splice(4, 0, `  refused (consent) ${r.refused.toLocaleString('en-US')}`);
  const shown = r.errors.slice(0, maxErrors);
  if (shown.length > 0)
    lines.push(`first ${shown.length} of ${r.rejectedRows} rejected rows:`, ...shown.map((p) => `  ${formatProblem(p)}`));
  if (r.status === 'failed' || r.status === 'interrupted') {
    lines.push(`stopped: ${r.message}`);
    lines.push(
      `committed through line ${r.committedThroughLine} of ${r.file}; ${r.eventsAccepted} events stored by this run. Re-running adds no duplicates.`,
    );
  }
  return lines;
}

function importerOptions(flags: ImportFlags): Partial<ImporterOptions> {
  return {
    attributesFile: flags.attributes,
    map: flags.map !== undefined ? parseColumnMap(flags.map) : undefined,
    timestampUnit: flags.timestampUnit,
    delimiter: flags.delimiter,
    eventType: flags.eventType,
    policy: flags.policy,
    ...(flags.source ? { sourceName: flags.source } : {}),
  };
}

/** `curio import <format> <path>`: streams a data file into the store in atomic batches. */
export function register(program: Command): void {
  withStoreOptions(program.command('import'))
    .description('import events (and the items they name) from a data file, in batches; re-running adds no duplicates')
    .argument('<format>', `file format: ${[...IMPORTERS.keys()].join(', ')}`)
    .argument('<path>', 'the file to import')
    .option('--batch <n>', 'events per committed batch (one transaction each)', positiveInt('--batch'), DEFAULT_BATCH_EVENTS)
    .addOption(
      new Option('--on-error <policy>', 'a bad row is skipped (and reported) or stops the import').choices(ERROR_POLICIES).default('skip'),
    )
    .option('--limit <rows>', 'stop after this many rows', positiveInt('--limit'))
    .option('--max-errors <n>', 'how many rejected rows to print', positiveInt('--max-errors'), 10)
    .option('-q, --quiet', 'no progress bar')
    .option('--json', 'print the summary as JSON')
    .option(
      '--attributes <file>',
      'side file: sequences *_item2attributes.json, amazon-grocery item_meta.csv, obd item_context.csv (default: auto-detected beside the file)',
    )
    .option(
      '--map <spec>',
      'csv/jsonl: event field=source column, e.g. userId=user,itemId=sku,type=event,timestamp=ts,context.position=pos',
    )
    .addOption(new Option('--timestamp-unit <unit>', 'csv/jsonl: unit of numeric timestamps, or iso').choices(TIMESTAMP_UNITS))
    .option('--delimiter <char>', 'csv: field separator (default ",")')
    .addOption(
      new Option('--event-type <type>', 'event type for rows that carry none (csv/jsonl without a type column, sequences, ...)').choices(
        EVENT_TYPES,
      ),
    )
    .option('--policy <name>', 'obd: logging policy (default: random or bts from the path)')
    .option('--source <name>', 'name used in event ids (default: the file name); keep it stable across re-runs')
    .addHelpText('after', formatsHelp())
    .action(async (format: string, path: string, flags: ImportFlags) => {
      const config = configFrom(flags);
      const options = importerOptions(flags);
      const store = await openStore(config.store.url);
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        const report = await runImport({
          format,
          file: path,
          ingestor: new Ingestor({ store, idSecret: config.privacy.idSecret }),
          batchEvents: flags.batch,
          onError: flags.onError,
          limitRows: flags.limit,
          keepErrors: Math.max(flags.maxErrors, 1),
          signal: controller.signal,
          importer: options,
          progress: createProgress({ label: `import ${format}`, unit: 'rows', silent: flags.quiet || flags.json }),
        });
        console.log(flags.json ? JSON.stringify(report, null, 2) : summaryLines(report, flags.maxErrors).join('\n'));
        if (report.status === 'failed' || report.status === 'interrupted') process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSigint);
        await store.close();
      }
    });
}
