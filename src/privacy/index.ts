export { createPseudonymiser, type Pseudonymiser } from './pseudonymise.js';
export {
  ERASURE_TARGETS,
  ErasureReceipts,
  erasureSubject,
  newErasureId,
  type ErasureReceipt,
  type ErasureTarget,
  type ModelVersionsReport,
  type PendingErasure,
  type TargetReport,
  type TargetState,
} from './erasure-receipt.js';
export {
  API_KEY_PREFIX,
  apiKeyDigest,
  apiKeyInputSchema,
  createApiKey,
  generateApiKey,
  KEY_STATES,
  keyListing,
  keyState,
  revokeApiKey,
  type ApiKeyInput,
  type ApiKeyListing,
  type KeyState,
} from './api-keys.js';
export {
  ANONYMOUS_ACTOR,
  audited,
  auditOutcome,
  auditUserTarget,
  configKeyActor,
  recordAudit,
  storedKeyActor,
  type AuditedAction,
} from './audit-log.js';
