import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const script = `
import { matmul, tensor, backendName } from './src/nn/index.ts';
const a = tensor([1, 2, 3, 4], [2, 2]);
const first = matmul(a, a).toArray();
const second = matmul(a, a).toArray();
console.log(JSON.stringify({ backend: backendName(), first, second }));
`;

function run(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

describe('backend fallback', () => {
  it('runs on js when the addon is missing, and says so once', () => {
    const r = run({ CURIO_NATIVE_ADDON: '/nonexistent/curio_nn.node', CURIO_NN_BACKEND: '' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ backend: 'js', first: [7, 10, 15, 22], second: [7, 10, 15, 22] });
    expect(r.stderr.match(/running on the js backend/g)).toHaveLength(1);
  });

  it('the build script exits 0 with one line when told to skip', () => {
    const r = spawnSync(process.execPath, ['scripts/build-native.mjs'], {
      encoding: 'utf8',
      env: { ...process.env, CURIO_SKIP_NATIVE: '1' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/not built .* using the js backend/);
  });
});
