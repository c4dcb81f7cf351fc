import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { MIN_CALIBRATION_OUTCOMES, UncertaintyCalibration } from './uncertainty-calibration.js';

describe('UncertaintyCalibration', () => {
  it('recovers the error a posterior makes at each stated sd from 0/1 outcomes alone', () => {
    const rng = createRng(2);
    const calibration = new UncertaintyCalibration();
    // A posterior that states sd but errs with variance 0.0004 + 9·sd² (three times its sd, plus misfit).
    const rows: Array<{ sd: number; error: number }> = [];
    for (let i = 0; i < 400_000; i++) {
      const predicted = 0.02 + 0.1 * rng.next();
      const sd = 0.002 + 0.01 * rng.next();
      const truth = Math.min(0.99, Math.max(0.001, predicted + Math.sqrt(0.0004 + 9 * sd * sd) * rng.normal()));
      calibration.observe(predicted, sd, rng.next() < truth ? 1 : 0);
      rows.push({ sd, error: truth - predicted });
    }
    const fit = calibration.fit()!;
    expect(fit.b).toBeGreaterThan(6);
    expect(fit.b).toBeLessThan(12);
    expect(fit.a).toBeGreaterThan(0.0002);
    expect(fit.a).toBeLessThan(0.0006);
    // Binned by stated sd, the calibrated sd matches the RMS error; the stated one is 2–5× too small.
    const high = rows.filter((r) => r.sd > 0.009);
    const rms = Math.sqrt(high.reduce((s, r) => s + r.error ** 2, 0) / high.length);
    const meanSd = high.reduce((s, r) => s + r.sd, 0) / high.length;
    expect(calibration.calibrate(meanSd) / rms).toBeGreaterThan(0.9);
    expect(calibration.calibrate(meanSd) / rms).toBeLessThan(1.1);
    expect(meanSd / rms).toBeLessThan(0.4);
  });

  it('leaves the stated sd alone until it has enough outcomes, and round-trips through JSON', () => {
    const calibration = new UncertaintyCalibration();
    for (let i = 0; i < MIN_CALIBRATION_OUTCOMES - 1; i++) calibration.observe(0.1, 0.01, i % 10 === 0 ? 1 : 0);
    expect(calibration.fit()).toBeNull();
    expect(calibration.calibrate(0.01)).toBe(0.01);
    calibration.observe(0.1, 0.02, 1);
    expect(calibration.fit()).not.toBeNull();
    expect(UncertaintyCalibration.fromJSON(calibration.toJSON()).fit()).toEqual(calibration.fit());
  });
});
