import { categoryFilterMask, NO_CATEGORY, type ItemTable } from './item-table.js';
import type { Profile } from './profile.js';

/** The business rules of one request, as a predicate over table indexes. */
export interface Rules {
  /** May this item be shown? */
  allows(index: number): boolean;
  /** Indexes of items excluded for this request only (bought, disliked, recently shown, `exclude=`). */
  excluded: ReadonlySet<number>;
  /** Per category id, 1 when the category passes the filter; null without a filter. */
  categoryMask: Uint8Array | null;
}

export interface RulesInput {
  table: ItemTable;
  profile: Profile;
  /** Item ids the caller wants left out (`exclude=`). */
  exclude: readonly string[];
  /** Only items in this category (key, prefix or path element). */
  category?: string;
}

/**
 * Builds the rules: never out-of-stock or deleted items, nor items the user bought or disliked, nor
 * items shown in their last N impressions, nor `exclude=`; with `category=`, only that category.
 */
export function buildRules(input: RulesInput): Rules {
  const { table, profile } = input;
  const excluded = new Set<number>();
  const add = (id: string) => {
    const index = table.indexOf.get(id);
    if (index !== undefined) excluded.add(index);
  };
  profile.blocked.forEach(add);
  profile.recentlyShown.forEach(add);
  input.exclude.forEach(add);
  const categoryMask = input.category ? categoryFilterMask(table, input.category) : null;
  return {
    excluded,
    categoryMask,
    allows(index) {
      if (table.unavailable[index] === 1 || excluded.has(index)) return false;
      if (categoryMask === null) return true;
      const c = table.category[index];
      return c !== NO_CATEGORY && categoryMask[c] === 1;
    },
  };
}
