import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { createShopApp } from '../../../test/support/recommend-shop.js';
import type { OffPolicyReport } from '../../eval/index.js';
import { register } from './ope.js';

const dir = mkdtempSync(join(tmpdir(), 'curio-ope-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `curio ope ...` and returns what it printed (console.table's rows as objects). */
async function run(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  const out: string[] = [];
  const [log, table] = [console.log, console.table];
  console.log = (line: string) => void out.push(line);
  console.table = (rows: unknown) => void out.push(JSON.stringify(rows));
  try {
    await program.parseAsync(['node', 'curio', 'ope', ...args]);
  } finally {
    [console.log, console.table] = [log, table];
  }
  return out.join('\n');
}

/** Runs `curio ope ... --json` and returns the parsed report. */
const ope = async (args: string[]): Promise<OffPolicyReport> => JSON.parse(await run([...args, '--json'])) as OffPolicyReport;

describe('curio ope on a served store', () => {
  it('evaluates on the candidate sets the server logged with its impressions', async () => {
    const url = `sqlite:${join(dir, 'served.db')}`;
    const t = await createShopApp({ 'serving.policy': 'epsilon-greedy' }, url);
    for (let s = 0; s < 12; s++) {
      const rec = (await t.call('read', { method: 'GET', url: `/v1/users/s${s}/recommendations?n=3&explore=1` })).json() as {
        recommendationId: string;
        items: Array<{ itemId: string; position: number }>;
      };
      const top = rec.items[0];
      const click = {
        id: `c${s}`,
        userId: `s${s}`,
        itemId: top.itemId,
        type: 'click',
        timestamp: Date.now() + 1000 + s,
        context: { recommendationId: rec.recommendationId },
      };
      await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events: [click] } });
    }
    await t.close();
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ policy: 'greedy', exploreWeight: 0 }));
    const report = await ope(['--logs', url, '--policy', policyFile]);
    expect(report).toMatchObject({
      policy: 'greedy',
      slates: 12,
      impressions: 36,
      logs: { slatesWithCandidates: 12, skippedImpressions: 0 },
    });
    expect(report.loggedRewardRate).toBeCloseTo(12 / 36, 10);
    expect(report.interval).toMatchObject({ method: 'normal', unit: 'user', clusters: 12 });
    // Twelve slates are far too few to trust: the report says so.
    expect(report.warnings.join('\n')).toMatch(/only 12 users/);
    const printed = await run(['--logs', url, '--policy', policyFile]);
    expect(printed).toContain(`chosen by SLOPE: ${report.chosen!.estimator} ${report.chosen!.estimate.toFixed(5)}`);
    expect(printed).toMatch(/95% normal intervals with users as the unit \(12 users\)/);
    expect(printed).toContain('"95% lower"');
    expect(printed).toContain('effectiveSampleShare');
    expect(printed).toContain('warning: only 12 users');
  });
});
