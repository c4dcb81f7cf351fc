/**
 * Calibrates the appeal posterior's uncertainty from outcomes alone. The posterior's sd of a take
 * probability counts only what it knows it does not know (an item's correction); its model can also be
 * wrong in ways it cannot see (score slope, shopper-specific taste), so its sd runs small. With p̂ the
 * prediction, p the true probability and y the 0/1 outcome,
 *   E[(y − p̂)² − p̂(1 − p̂)] ≈ E[(p − p̂)²]   (exactly, when p̂ is close to p: the Bernoulli noise cancels),
 * so regressing the excess squared residual z = (y − p̂)² − p̂(1 − p̂) on the predicted variance x = sd²
 * fits E[(p − p̂)² | sd] ≈ a + b·sd², the error the posterior actually makes at each stated sd — with no
 * access to the truth, only to what shoppers did. The calibrated sd is √(a + b·sd²).
 */

export interface CalibrationFit {
  /** Error variance the posterior cannot see (model misfit), in squared probability. */
  a: number;
  /** How much of the stated variance is real error (1 = as stated). */
  b: number;
  n: number;
}

export interface UncertaintyCalibrationJson {
  n: number;
  sx: number;
  sz: number;
  sxx: number;
  sxz: number;
}

/** Below this many outcomes the fit is too noisy to use: the stated sd is returned as it is. */
export const MIN_CALIBRATION_OUTCOMES = 2000;

export class UncertaintyCalibration {
  private n = 0;
  private sx = 0;
  private sz = 0;
  private sxx = 0;
  private sxz = 0;

  /** One outcome of a prediction p̂ made with stated sd (before the outcome was seen). */
  observe(predicted: number, sd: number, outcome: 0 | 1): void {
    const x = sd * sd;
    const z = (outcome - predicted) ** 2 - predicted * (1 - predicted);
    this.n += 1;
    this.sx += x;
    this.sz += z;
    this.sxx += x * x;
    this.sxz += x * z;
  }

  /**
   * Least squares of z on x with a ≥ 0 and b ≥ 0 (a negative part is noise: it is refitted without it).
   * Null until MIN_CALIBRATION_OUTCOMES outcomes.
   */
  fit(): CalibrationFit | null {
    const { n } = this;
    if (n < MIN_CALIBRATION_OUTCOMES) return null;
    const mx = this.sx / n;
    const mz = this.sz / n;
    const vxx = this.sxx / n - mx * mx;
    const vxz = this.sxz / n - mx * mz;
    let b = vxx > 0 ? vxz / vxx : 0;
    let a = mz - b * mx;
    if (b < 0) [a, b] = [mz, 0];
    if (a < 0) [a, b] = [0, this.sxx > 0 ? Math.max(0, this.sxz / this.sxx) : 0];
    return { a, b, n };
  }

  /** The calibrated sd for a stated sd (the stated one until there is a fit). */
  calibrate(sd: number, fit: CalibrationFit | null = this.fit()): number {
    return fit ? Math.sqrt(fit.a + fit.b * sd * sd) : sd;
  }

  toJSON(): UncertaintyCalibrationJson {
    return { n: this.n, sx: this.sx, sz: this.sz, sxx: this.sxx, sxz: this.sxz };
  }

  static fromJSON(json: UncertaintyCalibrationJson): UncertaintyCalibration {
    const c = new UncertaintyCalibration();
    Object.assign(c, json);
    return c;
  }
}
