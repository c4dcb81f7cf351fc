import { normalPdf, normalQuantile } from './normal.js';

/**
 * The part of a shopper's appeal for an item that the posterior cannot learn: a shopper × item effect ρ (probit
 * scale, variance r²) that no other shopper's outcome and no other item's tells about. The posterior's item sd
 * measures what more outcomes would teach; ρ is what they never will, and it is most of the error of a predicted
 * click probability once an item is well known. Reporting the item sd alone as "the uncertainty" understates the
 * error by a constant floor.
 *
 * One outcome per pair cannot tell ρ from the outcome's own noise (both only move P(click), which the posterior
 * already matches in the mean). Two showings of the same pair can: with predictions q̂₁, q̂₂ that are right in the
 * mean and true probabilities q = q̂ + ε, E[y₁y₂] = E[q₁q₂] = q̂₁q̂₂ + Cov(ε₁, ε₂), and ε ≈ g·ρ with g = φ(Φ⁻¹(q̂))
 * the probit link's slope at the prediction. So r² = Σ(y₁y₂ − q̂₁q̂₂) / Σ g₁g₂ over repeated showings: a method-of-
 * moments estimate, unbiased while ρ persists between the two showings (drift between them shrinks it).
 */
export interface Showing {
  /** The posterior's probability that this showing is taken, where it was shown. */
  predicted: number;
  /** Whether it was. */
  outcome: 0 | 1;
}

export interface PairMisfitJson {
  products: number;
  slopes: number;
  pairs: number;
}

/** d q / d ρ at a predicted probability q: the probit link's slope, φ(Φ⁻¹(q)). */
export function probitSlope(predicted: number): number {
  return normalPdf(normalQuantile(Math.min(1 - 1e-9, Math.max(1e-9, predicted))));
}

export class PairMisfit {
  private products: number;
  private slopes: number;
  private count: number;

  constructor(saved?: PairMisfitJson) {
    this.products = saved?.products ?? 0;
    this.slopes = saved?.slopes ?? 0;
    this.count = saved?.pairs ?? 0;
  }

  /** Repeated showings counted so far. */
  get pairs(): number {
    return this.count;
  }

  /** Two showings of one shopper × item pair, in the order they happened. */
  add(first: Showing, second: Showing): void {
    this.addPredictions(first.predicted, probitSlope(first.predicted), second.predicted, probitSlope(second.predicted));
    this.addOutcomes(first.outcome * second.outcome);
  }

  /**
   * A repeat's predictions with their slopes g = φ(Φ⁻¹(q̂)): −q̂₁q̂₂ of its term, counted when the second showing
   * happens. The posterior has each slope at hand when it predicts (φ of its own z), so the live path passes it.
   */
  addPredictions(first: number, firstSlope: number, second: number, secondSlope: number): void {
    this.products -= first * second;
    this.slopes += firstSlope * secondSlope;
    this.count++;
  }

  /** A repeat's outcomes: y₁y₂ of its term, counted when the second showing is taken (0 adds nothing). */
  addOutcomes(product: number): void {
    this.products += product;
  }

  /**
   * r², the pair effect's variance on the probit scale; 0 before `minPairs` repeats (a handful of pairs
   * estimate nothing) and when the products are negative (no evidence of a persistent effect).
   */
  variance(minPairs = 200): number {
    if (this.count < minPairs || !(this.slopes > 0)) return 0;
    return Math.max(0, this.products / this.slopes);
  }

  /** The sd of the true click probability around a prediction q̂ from the pair effect alone: φ(Φ⁻¹(q̂))·r. */
  sdAt(predicted: number, minPairs?: number): number {
    return probitSlope(predicted) * Math.sqrt(this.variance(minPairs));
  }

  toJson(): PairMisfitJson {
    return { products: this.products, slopes: this.slopes, pairs: this.count };
  }
}
