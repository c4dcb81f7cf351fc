import { POLICIES } from './registry.js';
import { describePolicy } from './policy.case.js';

for (const def of POLICIES.values()) describePolicy(def);
