/** What a request knows about how settled a shopper's interests are. */
export interface ShopperSignals {
  /** Events in the shopper's history. */
  events: number;
  /** How far recent interests have moved from long-term ones, in [0, 1] (the profile's drift score). */
  drift: number;
}

export interface ShopperBudgetOptions {
  /** A shopper with this many events counts half as new. Default 20. */
  newShopperEvents?: number;
  /** The need every shopper keeps, however settled (so exploration never stops for anyone). Default 0.25. */
  floor?: number;
  /** Requests the running mean of need remembers (an exponential average). Default 2,000. */
  memory?: number;
}

/**
 * An explore weight per shopper within a shop-wide budget: a shopper's need to explore is
 * floor + novelty + drift (novelty = n0 / (n0 + events)), and the weight is the shop's weight times need
 * over the running mean need of recent requests, capped at 1. Over the traffic the weights average to the
 * shop's weight (less what the cap cuts), but new and drifting shoppers get more of it and settled
 * shoppers less.
 */
export class ShopperBudget {
  private readonly n0: number;
  private readonly floor: number;
  private readonly alpha: number;
  private meanNeed: number | null = null;

  constructor(options: ShopperBudgetOptions = {}) {
    this.n0 = options.newShopperEvents ?? 20;
    this.floor = options.floor ?? 0.25;
    this.alpha = 1 / (options.memory ?? 2000);
  }

  /** This shopper's need to explore (before normalising by the traffic's mean). */
  need(s: ShopperSignals): number {
    const events = Math.max(0, Number.isFinite(s.events) ? s.events : 0);
    const drift = Math.min(1, Math.max(0, Number.isFinite(s.drift) ? s.drift : 0));
    return this.floor + this.n0 / (this.n0 + events) + drift;
  }

  /** The weight for this request: `shopWeight` × need / mean need, in [0, 1]. Updates the running mean. */
  weightFor(shopWeight: number, s: ShopperSignals): number {
    if (!(shopWeight > 0)) return 0;
    const need = this.need(s);
    this.meanNeed = this.meanNeed === null ? need : this.meanNeed + this.alpha * (need - this.meanNeed);
    return Math.min(1, (shopWeight * need) / this.meanNeed);
  }
}
