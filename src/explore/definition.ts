import type { z } from 'zod';
import type { Policy, PolicyCapabilities } from './types.js';

/** One registry entry: a policy's id, its parameters (zod, with defaults) and how to build it. */
export interface PolicyDefinition<P = unknown> {
  /** Stable lowercase id stored in snapshots and impression logs. */
  id: string;
  description: string;
  capabilities: PolicyCapabilities;
  params: z.ZodType<P>;
  /** Builds a policy from parsed params and, when loading, a saved state (validated by the policy). */
  create(params: P, state?: unknown): Policy;
}
