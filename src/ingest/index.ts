export {
  Ingestor,
  type AppendEventsResult,
  type BatchResult,
  type IngestorOptions,
  type Rejection,
  type WriteOptions,
} from './ingestor.js';
export * from './schemas.js';
export * from './importers/index.js';
export { storedEvents } from './stored-events.js';
