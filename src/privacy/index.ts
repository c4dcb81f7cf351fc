export { createPseudonymiser, type Pseudonymiser } from './pseudonymise.js';
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
