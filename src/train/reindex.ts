import type { ModelArtifact, Recommender, UserState } from '../models/index.js';

/**
 * A trained model seen through another item numbering: the serving version was trained on an older
 * dataset, whose item indexes are not the new dataset's. The gate scores both on the same holdout, so
 * the old model is asked in its own numbering and its scores are written to the new one; items it has
 * never seen score -Infinity (it cannot recommend them) and history items it does not know are dropped.
 */
export function reindexModel(model: Recommender, modelItemIds: readonly string[], itemIds: readonly string[]): Recommender {
  const position = new Map(modelItemIds.map((id, i) => [id, i]));
  // newToOld[j] = the model's index of dataset item j, or -1.
  const newToOld = Int32Array.from(itemIds, (id) => position.get(id) ?? -1);
  const own = new Float32Array(model.nItems);
  const translate = (state: UserState): UserState => {
    const keep: number[] = [];
    for (let k = 0; k < state.items.length; k++) if (newToOld[state.items[k]] >= 0) keep.push(k);
    return {
      items: Int32Array.from(keep, (k) => newToOld[state.items[k]]),
      types: state.types ? Uint8Array.from(keep, (k) => state.types![k]) : undefined,
      timestampsMs: state.timestampsMs ? Float64Array.from(keep, (k) => state.timestampsMs![k]) : undefined,
    };
  };
  return {
    id: model.id,
    params: model.params,
    nItems: itemIds.length,
    scoreAll(state: UserState, out = new Float32Array(itemIds.length)): Float32Array {
      model.scoreAll(translate(state), own);
      for (let j = 0; j < newToOld.length; j++) out[j] = newToOld[j] >= 0 ? own[newToOld[j]] : Number.NEGATIVE_INFINITY;
      return out;
    },
    toArtifact(): ModelArtifact {
      return model.toArtifact();
    },
  };
}
