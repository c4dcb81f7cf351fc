import { z } from 'zod';
import { parseOrThrow } from '../../core/index.js';
import { MAX_CATEGORIES } from './vocabulary.js';

/** 2025-01-01T00:00:00Z: a fixed default so a seed alone reproduces every timestamp. */
export const DEFAULT_START_MS = Date.UTC(2025, 0, 1);

const startTimeSchema = z
  .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

/** Everything that shapes a synthetic shop; every field has a default. */
export const shopOptionsSchema = z
  .object({
    seed: z.number().int().describe('Seeds every random choice; same seed, same shop').default(42),
    users: z.number().int().min(1).max(1_000_000).describe('Number of shoppers').default(5000),
    items: z.number().int().min(1).max(1_000_000).describe('Number of catalogue items').default(2000),
    days: z.number().int().min(1).max(3650).describe('Length of the simulated period').default(30),
    categories: z.number().int().min(1).max(MAX_CATEGORIES).describe('Top categories (each has 4-5 subcategories)').default(8),
    sessionsPerUserPerDay: z.number().positive().max(50).describe('Mean sessions of an average shopper per day').default(0.25),
    interestsPerUser: z.number().min(1).max(10).describe('Mean number of latent interests at the start').default(3),
    driftRatePerDay: z
      .number()
      .min(0)
      .max(1)
      .describe('Chance per user and day that a new interest appears (and often an old one fades)')
      .default(0.03),
    driftRampDays: z.number().positive().max(365).describe('Days an interest takes to fully appear or fade').default(4),
    popularityExponent: z.number().min(0).max(3).describe('Zipf exponent of item exposure (0 = uniform)').default(1),
    positionBiasExponent: z.number().min(0).max(3).describe('Examination probability at slate position p is 1/(p+1)^exponent').default(1),
    newItemsPerDay: z
      .number()
      .min(0)
      .max(100_000)
      .describe('Catalogue items launched on each day after day 0 (new arrivals); each is hidden before its launch day')
      .default(0),
    newArrivalExposure: z
      .number()
      .min(0)
      .max(10)
      .describe("A new arrival's extra exposure on its launch day, relative to the most exposed item's (the shop features it)")
      .default(0.2),
    newArrivalDays: z
      .number()
      .positive()
      .max(365)
      .describe("Mean days of a new arrival's extra exposure (it decays exponentially)")
      .default(5),
    startTime: startTimeSchema.describe('Start of day 0: epoch milliseconds or ISO-8601').default(DEFAULT_START_MS),
    visualTaste: z
      .number()
      .min(0)
      .max(10)
      .describe("Weight of shoppers' taste for the looks (pictures) of fashion items in their appeal; 0 = looks do not matter")
      .default(0),
  })
  .strict();

export type ShopOptionsInput = z.input<typeof shopOptionsSchema>;
export type ShopOptions = z.output<typeof shopOptionsSchema>;

/** Validates shop options and fills defaults; throws BAD_INPUT listing every problem. */
export function parseShopOptions(input: unknown = {}): ShopOptions {
  return parseOrThrow(shopOptionsSchema, input ?? {}, 'simulator options');
}
