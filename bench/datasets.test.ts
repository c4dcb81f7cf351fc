import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetsDir, portablePath, REPO_ROOT } from './datasets.js';

describe('portablePath', () => {
  it('records a path so that results hold no machine layout', () => {
    expect(portablePath(join(datasetsDir(), 'amazon-s3rec', 'Beauty.txt'))).toBe(join('amazon-s3rec', 'Beauty.txt'));
    expect(portablePath(join(REPO_ROOT, 'test', 'fixtures', 'x.db'))).toBe(join('test', 'fixtures', 'x.db'));
    expect(portablePath(join(tmpdir(), 'scratch', 'dig.db'))).toBe('dig.db');
  });
});
