/** Inverted dropout driven by a seeded Rng. */
import { alloc } from './memory.js';
import { CurioError, type Rng } from '../core/index.js';
import { accumulate, record } from './autograd.js';
import { Tensor } from './tensor.js';

/** Zero each value with probability p and scale survivors by 1/(1-p); identity when p = 0. */
export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (!(p >= 0 && p < 1)) throw new CurioError('BAD_INPUT', `dropout rate must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const keep = 1 / (1 - p);
  const mask = alloc(x.size, false);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : keep;
  const out = new Tensor(alloc(x.size, false), x.shape);
  for (let i = 0; i < mask.length; i++) out.data[i] = x.data[i] * mask[i];
  return record(out, [x], (g) => {
    for (let i = 0; i < g.length; i++) g[i] *= mask[i];
    accumulate(x, g, true);
  });
}
