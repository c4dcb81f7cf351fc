import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.js';
import { jobThreads } from './supervisor.js';

describe('jobThreads', () => {
  const cores = availableParallelism();
  it('leaves the serving process a core beside `curio serve`, and takes every core alone', () => {
    const config = loadConfig({ env: {} });
    expect(jobThreads(config, true)).toBe(Math.max(1, cores - 1));
    expect(jobThreads(config, false)).toBe(cores);
  });
  it('follows training.jobThreads when it is set', () => {
    const config = loadConfig({ env: {}, overrides: { 'training.jobThreads': 3 } });
    expect(jobThreads(config, true)).toBe(3);
    expect(jobThreads(config, false)).toBe(3);
  });
});
