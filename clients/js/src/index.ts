// @curio/client: a typed client for the Curio HTTP API (README.md).
export {
  createCurioClient,
  CurioRequestError,
  type CurioClient,
  type CurioClientOptions,
  type CurioEvent,
  type TrackedEvent,
} from './client.js';
export { EventBatcher, type BatchOptions, type BatchResult, type SendBatch } from './batcher.js';
export { backoffMs, isIdempotent, retryAfterMs, retryingFetch, type FetchFunction, type RetryOptions } from './retry.js';
export type { components, operations, paths } from './generated/openapi.js';
