export { IMPORTERS, getImporter } from './registry.js';
export {
  runImport,
  formatProblem,
  ERROR_POLICIES,
  DEFAULT_BATCH_EVENTS,
  type ErrorPolicy,
  type ImportOptions,
  type ImportReport,
  type ImportStatus,
  type RowProblem,
} from './run-import.js';
export { parseColumnMap, MAPPABLE_FIELDS } from './column-map.js';
export { SEQUENCE_BASE_MS } from './sequences.js';
export { TIMESTAMP_UNITS, type Importer, type ImporterOptions, type TimestampUnit } from './types.js';
