import { MODELS } from './registry.js';
import { modelCase } from './model.case.js';

for (const spec of MODELS) modelCase(spec);
