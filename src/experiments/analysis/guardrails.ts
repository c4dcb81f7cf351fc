/**
 * Slate-level guardrails of each arm. Coverage (the share of the catalogue an arm showed) grows with the
 * slates it served, so arms with unequal traffic are compared on the same number of slates: the first n of
 * each, n the smallest arm's count. Diversity is the mean intra-slate share of item pairs from different
 * leaf categories (1: every item from its own category).
 */
import type { Store } from '../../store/index.js';

export interface SlateGuardrails {
  coverage: number | null;
  diversity: number | null;
}

async function leafCategories(store: Store, itemIds: readonly string[]): Promise<Map<string, string>> {
  const leaves = new Map<string, string>();
  for (let k = 0; k < itemIds.length; k += 500) {
    for (const item of await store.getItems(itemIds.slice(k, k + 500))) {
      if (item.categoryPath.length > 0) leaves.set(item.id, item.categoryPath.join(' > '));
    }
  }
  return leaves;
}

/** Share of pairs in a slate with different leaf categories; an item without one differs from every other. */
export function slateDiversity(itemIds: readonly string[], leafOf: (id: string) => string | undefined): number | null {
  if (itemIds.length < 2) return null;
  const counts = new Map<string, number>();
  for (const id of itemIds) {
    const leaf = leafOf(id);
    if (leaf !== undefined) counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
  }
  const pairs = (itemIds.length * (itemIds.length - 1)) / 2;
  let same = 0;
  for (const c of counts.values()) same += (c * (c - 1)) / 2;
  return 1 - same / pairs;
}

/** Coverage and diversity of each arm's slates (item ids in position order). */
export async function slateGuardrails(store: Store, slatesByArm: ReadonlyMap<string, string[][]>): Promise<Map<string, SlateGuardrails>> {
  const catalogue = (await store.counts()).items;
  const sizes = [...slatesByArm.values()].map((s) => s.length).filter((n) => n > 0);
  const common = sizes.length > 0 ? Math.min(...sizes) : 0;
  const shown = [...new Set([...slatesByArm.values()].flatMap((slates) => slates.flat()))];
  const leaves = await leafCategories(store, shown);
  const result = new Map<string, SlateGuardrails>();
  for (const [arm, slates] of slatesByArm) {
    const distinct = new Set(slates.slice(0, common).flat()).size;
    const diversities = slates.map((s) => slateDiversity(s, (id) => leaves.get(id))).filter((d): d is number => d !== null);
    result.set(arm, {
      coverage: catalogue > 0 && common > 0 ? distinct / catalogue : null,
      diversity: diversities.length > 0 ? diversities.reduce((a, b) => a + b, 0) / diversities.length : null,
    });
  }
  return result;
}
