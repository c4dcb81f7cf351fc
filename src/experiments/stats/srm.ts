/**
 * Sample-ratio mismatch: Pearson's chi-square goodness of fit of the users observed per arm against the
 * configured weights. A mismatch means assignment, logging or the audience filter treats arms differently,
 * and then no comparison between the arms can be trusted, however significant.
 */
import { CurioError } from '../../core/index.js';
import { chiSquareSurvival } from './distributions.js';

export interface SrmOptions {
  /**
   * Flag when the p-value is below this (default 0.001). Strict because the check runs on every experiment at
   * every look, and a flag stops the analysis; a real mismatch at experiment scale gives far smaller p-values.
   */
  threshold?: number;
}

export interface SrmResult {
  chiSquare: number;
  degreesOfFreedom: number;
  pValue: number;
  /** Users expected per arm from the weights and the observed total. */
  expected: number[];
  mismatch: boolean;
}

/** Checks the users observed per arm against the arms' weights (any positive scale; they are normalised). */
export function sampleRatioMismatch(observed: readonly number[], weights: readonly number[], options: SrmOptions = {}): SrmResult {
  const problems = [
    ...(observed.length < 2 ? [{ path: 'observed', message: 'needs at least 2 arms' }] : []),
    ...(weights.length !== observed.length
      ? [{ path: 'weights', message: `has ${weights.length} arms, observed has ${observed.length}` }]
      : []),
    ...weights.flatMap((w, k) => (w > 0 ? [] : [{ path: `weights.${k}`, message: 'must be positive' }])),
    ...observed.flatMap((o, k) => (Number.isInteger(o) && o >= 0 ? [] : [{ path: `observed.${k}`, message: 'must be a count' }])),
  ];
  if (problems.length > 0) throw new CurioError('BAD_INPUT', 'invalid sample-ratio check', { problems });
  const threshold = options.threshold ?? 0.001;
  const total = observed.reduce((a, b) => a + b, 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (total * w) / weightSum);
  const degreesOfFreedom = observed.length - 1;
  if (total === 0) return { chiSquare: 0, degreesOfFreedom, pValue: 1, expected, mismatch: false };
  const chiSquare = observed.reduce((s, o, k) => s + (o - expected[k]) ** 2 / expected[k], 0);
  const pValue = chiSquareSurvival(chiSquare, degreesOfFreedom);
  return { chiSquare, degreesOfFreedom, pValue, expected, mismatch: pValue < threshold };
}
