import { describe, expect, it } from 'vitest';
import { opeCoverage } from './ope-coverage.js';

describe('bench:ope-coverage', () => {
  it('runs the report on a few simulated logs per scenario and counts coverage as plain JSON', async () => {
    const steps: number[] = [];
    const result = await opeCoverage({ logs: 5, seed: 2, progress: (done) => steps.push(done) });
    // 5 logs for each supported scenario, 1 for the stress case.
    expect(steps).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(Object.keys(result.scenarios)).toEqual(['less-exploration', 'more-exploration', 'new-ranking']);
    expect(result.supportedChosen.logs).toBe(10);
    for (const s of Object.values(result.scenarios)) {
      expect(s.truth).toBeGreaterThan(0);
      expect(s.chosen.coverage).toBeGreaterThanOrEqual(0);
      expect(s.chosen.meanWidth).toBeGreaterThan(0);
      expect(Object.values(s.chosenCounts).reduce((a, b) => a + b, 0)).toBe(s.chosen.logs);
      expect(s.estimators.dr.logs).toBe(s.chosen.logs);
    }
    // The stress case's policy leans on actions the logger never shows there: every log warns.
    expect(result.scenarios['new-ranking'].logsWithWarnings).toBe(1);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});
