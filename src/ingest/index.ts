export { Ingestor, type BatchResult, type IngestorOptions, type Rejection } from './ingestor.js';
export * from './schemas.js';
export * from './importers/index.js';
