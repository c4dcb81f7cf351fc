import { z } from 'zod';
import { createPolicy, loadPolicy, type Policy } from '../../explore/index.js';
import { parseOrThrow } from '../../core/index.js';
import { ESTIMATORS } from './estimators.js';

/** The `--policy` file of `curio ope`: a policy to evaluate and how. */
export const OpeConfig = z.object({
  policy: z.string().describe('registry id, e.g. "thompson"'),
  params: z.record(z.string(), z.unknown()).default({}),
  state: z.unknown().optional().describe('a saved state (the "state" of policy.save()) to evaluate instead of a fresh policy'),
  exploreWeight: z.number().min(0).max(1).default(1),
  seed: z.number().int().default(1),
  learn: z.boolean().default(false).describe('replay: update the policy with each logged slate after evaluating it'),
  estimators: z.array(z.enum(Object.keys(ESTIMATORS) as [string, ...string[]])).optional(),
  interval: z
    .object({
      method: z.enum(['normal', 'bootstrap']).default('normal').describe('normal (sandwich variance) or a percentile bootstrap'),
      unit: z.enum(['user', 'slate']).default('user').describe('what the variance treats as independent'),
      resamples: z.number().int().min(20).max(10_000).default(200).describe('bootstrap resamples'),
    })
    .strict()
    .optional()
    .describe('how the 95% intervals are computed (default: normal, users as the unit)'),
});
export type OpeConfig = z.infer<typeof OpeConfig>;

/** Validates a parsed `--policy` file; problems are reported with their paths. */
export function parseOpeConfig(input: unknown): OpeConfig {
  return parseOrThrow(OpeConfig, input, 'policy file');
}

/** The policy an OPE config describes: loaded from its state when given, else fresh. */
export function policyFromConfig(config: OpeConfig): Policy {
  if (config.state === undefined) return createPolicy(config.policy, config.params);
  return loadPolicy({ policy: config.policy, version: 1, params: config.params, state: config.state });
}
