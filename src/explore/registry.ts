import { z } from 'zod';
import { CurioError, parseOrThrow, type ParseContext } from '../core/index.js';
import type { PolicyDefinition } from './definition.js';
import { epsilonGreedyPolicy } from './epsilon-greedy.js';
import { greedyPolicy } from './greedy.js';
import { linUcbPolicy } from './linucb.js';
import { neuralThompsonPolicy } from './neural-thompson.js';
import { neuralUcbPolicy } from './neural-ucb.js';
import { thompsonPolicy } from './thompson.js';
import type { Policy, PolicySnapshot } from './types.js';

/** Every explore/exploit policy by id. A new policy is one file plus one line here. */
export const POLICIES: ReadonlyMap<string, PolicyDefinition<never>> = new Map(
  (
    [greedyPolicy, epsilonGreedyPolicy, thompsonPolicy, linUcbPolicy, neuralThompsonPolicy, neuralUcbPolicy] as PolicyDefinition<never>[]
  ).map((p) => [p.id, p]),
);

/** Ids of the registered policies. */
export function policyIds(): string[] {
  return [...POLICIES.keys()];
}

function definitionOf(id: string): PolicyDefinition<unknown> {
  const def = POLICIES.get(id) as PolicyDefinition<unknown> | undefined;
  if (!def) {
    throw new CurioError('BAD_INPUT', `unknown policy "${id}"`, {
      problems: [{ path: 'policy', message: `one of: ${policyIds().join(', ')}` }],
    });
  }
  return def;
}

/** Policy parameters: problems are reported under `params.`. */
const PARAMS: ParseContext = { what: 'params', prefix: ['params'] };

/** Builds a fresh policy; params are validated and completed with defaults. */
export function createPolicy(id: string, params: unknown = {}): Policy {
  const def = definitionOf(id);
  return def.create(parseOrThrow(def.params, params ?? {}, PARAMS));
}

const Snapshot = z.object({
  policy: z.string(),
  version: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  state: z.unknown(),
});

/** Rebuilds a policy saved with `policy.save()` (parsed JSON); the id picks the registry entry. */
export function loadPolicy(snapshot: unknown): Policy {
  const s: PolicySnapshot = parseOrThrow(Snapshot, snapshot, { what: 'snapshot', prefix: ['snapshot'] });
  const def = definitionOf(s.policy);
  if (s.version !== 1) {
    throw new CurioError('BAD_INPUT', `unsupported ${s.policy} snapshot version ${s.version}`);
  }
  return def.create(parseOrThrow(def.params, s.params, PARAMS), s.state ?? undefined);
}
