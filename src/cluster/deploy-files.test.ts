// The deployment files can only be run where a Docker engine is (not on the machines this is tested on), so
// what can be checked here is: every CURIO_ variable they set is one Curio reads, and the roles they start exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../core/index.js';
import { ROOT } from '../../test/support/crash-harness.js';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('Dockerfile and compose.yaml', () => {
  it('set only configuration variables Curio reads', () => {
    const known = new Set(ENV_VARS.map((v) => v.name));
    for (const file of ['Dockerfile', 'compose.yaml']) {
      const used = new Set([...read(file).matchAll(/\b(CURIO_[A-Z_]+)\s*[:=]/g)].map((m) => m[1]));
      expect(used.size, file).toBeGreaterThan(0);
      expect(
        [...used].filter((name) => !known.has(name)),
        file,
      ).toEqual([]);
    }
  });

  it('run two API nodes and a worker on PostgreSQL, NATS and Redis, as a non-root user', () => {
    const compose = read('compose.yaml');
    expect(compose.match(/command: \[serve\]/g)).toHaveLength(2);
    expect(compose).toMatch(/command: \[worker\]/);
    for (const part of ['CURIO_STORE_URL: postgres://', 'CURIO_BUS: nats://', 'CURIO_REDIS: redis://']) expect(compose).toContain(part);
    expect(read('Dockerfile')).toMatch(/^USER node$/m);
  });
});
