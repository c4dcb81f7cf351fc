import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { createShopApp } from '../../../test/support/recommend-shop.js';
import { register } from './ope.js';

const dir = mkdtempSync(join(tmpdir(), 'curio-ope-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `curio ope ... --json` and returns the parsed report. */
async function ope(args: string[]): Promise<Record<string, unknown>> {
  const program = new Command().exitOverride();
  register(program);
  const out: string[] = [];
  const log = console.log;
  console.log = (line: string) => void out.push(line);
  try {
    await program.parseAsync(['node', 'curio', 'ope', ...args, '--json']);
  } finally {
    console.log = log;
  }
  return JSON.parse(out.join('\n')) as Record<string, unknown>;
}

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
    expect(report).toMatchObject({ policy: 'greedy', slates: 12, impressions: 36, slatesWithCandidates: 12, skippedImpressions: 0 });
    expect(report.loggedRewardRate).toBeCloseTo(12 / 36, 10);
  });
});
