/**
 * Visual neighbours: every item's embedding (unit length, so the inner product is the cosine), searched
 * exactly while the catalogue is small and through an HNSW graph (the recommendation ANN index) once it
 * holds `annMinItems` pictures. Uploads keep arriving after a graph is built: rows added or changed since
 * are searched exactly beside it, and the graph is rebuilt in the background once they are a tenth of it.
 */
import { AnnIndex } from './ann-index.js';

export interface VisualHit {
  itemId: string;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
}

export interface VisualIndexOptions {
  dim: number;
  /** Build a graph from this many rows on; 0 = always exact. */
  annMinItems: number;
  /** Reports a failed background build (the exact search goes on serving). */
  warn?: (message: string, error: unknown) => void;
}

/** Rows changed since the graph was built, as a share of it, that make a rebuild due. */
const REBUILD_SHARE = 0.1;

/** A copy of `v` scaled to unit length; null for a zero vector (it has no direction to compare). */
export function unitVector(v: Float32Array): Float32Array | null {
  let norm = 0;
  for (let d = 0; d < v.length; d++) norm += v[d] * v[d];
  if (!(norm > 0)) return null;
  const out = new Float32Array(v.length);
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < v.length; d++) out[d] = v[d] * scale;
  return out;
}

export class VisualIndex {
  readonly dim: number;
  private vectors = new Float32Array(0);
  /** Item id per row; null for a removed row (its slot is reused). */
  private ids: Array<string | null> = [];
  private readonly rowOf = new Map<string, number>();
  private readonly free: number[] = [];
  /** The graph over rows as they were at its build, and the rows that changed (or came) since. */
  private ann: AnnIndex | null = null;
  private readonly dirty = new Set<number>();
  private building: Promise<void> | null = null;

  constructor(private readonly options: VisualIndexOptions) {
    this.dim = options.dim;
  }

  get size(): number {
    return this.rowOf.size;
  }

  /** Whether the last search could go through a graph. */
  get usesAnn(): boolean {
    return this.ann !== null;
  }

  has(itemId: string): boolean {
    return this.rowOf.has(itemId);
  }

  /** The item's unit vector (a view: do not keep it across writes), or null. */
  vectorOf(itemId: string): Float32Array | null {
    const row = this.rowOf.get(itemId);
    return row === undefined ? null : this.vectors.subarray(row * this.dim, (row + 1) * this.dim);
  }

  /** Every item id with a vector. */
  itemIds(): IterableIterator<string> {
    return this.rowOf.keys();
  }

  /** Sets an item's vector (scaled to unit length); a zero vector removes it. */
  set(itemId: string, vector: Float32Array): void {
    if (vector.length !== this.dim) throw new RangeError(`a vector of ${vector.length} values in an index of ${this.dim}`);
    const unit = unitVector(vector);
    if (!unit) return void this.delete(itemId);
    let row = this.rowOf.get(itemId);
    if (row === undefined) {
      row = this.free.pop() ?? this.ids.length;
      if (row === this.ids.length) this.ids.push(null);
      this.ids[row] = itemId;
      this.rowOf.set(itemId, row);
      if ((row + 1) * this.dim > this.vectors.length) {
        const grown = new Float32Array(Math.max(64, 2 * this.ids.length) * this.dim);
        grown.set(this.vectors);
        this.vectors = grown;
      }
    }
    this.vectors.set(unit, row * this.dim);
    this.dirty.add(row);
    this.maybeRebuild();
  }

  delete(itemId: string): boolean {
    const row = this.rowOf.get(itemId);
    if (row === undefined) return false;
    this.rowOf.delete(itemId);
    this.ids[row] = null;
    this.vectors.fill(0, row * this.dim, (row + 1) * this.dim);
    this.free.push(row);
    this.dirty.add(row);
    return true;
  }

  /** The k items most similar to `vector` (any length; compared by direction) that `allows` lets through, best first. */
  search(vector: Float32Array, k: number, allows: (itemId: string) => boolean = () => true): VisualHit[] {
    const query = unitVector(vector);
    if (!query || k <= 0) return [];
    const best = new Map<number, number>();
    const allowedRow = (row: number): boolean => {
      const id = this.ids[row];
      return id !== null && allows(id);
    };
    if (this.ann) {
      // Graph hits of rows that changed since the build are scored again below, from their current vectors.
      for (const hit of this.ann.search(query, k, (row) => !this.dirty.has(row) && allowedRow(row))) best.set(hit.index, hit.score);
      for (const row of this.dirty) if (allowedRow(row)) best.set(row, this.dot(query, row));
    } else {
      for (let row = 0; row < this.ids.length; row++) if (allowedRow(row)) best.set(row, this.dot(query, row));
    }
    return [...best]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, k)
      .map(([row, similarity]) => ({ itemId: this.ids[row] as string, similarity }));
  }

  /** Waits for a background graph build in progress (tests, benches, shutdown). */
  async settled(): Promise<void> {
    while (this.building) await this.building;
  }

  private dot(query: Float32Array, row: number): number {
    let s = 0;
    const o = row * this.dim;
    for (let d = 0; d < this.dim; d++) s += query[d] * this.vectors[o + d];
    return s;
  }

  private maybeRebuild(): void {
    const { annMinItems } = this.options;
    if (this.building || annMinItems === 0 || this.size < annMinItems) return;
    if (this.ann && this.dirty.size < REBUILD_SHARE * this.ann.size) return;
    const rows = this.ids.length;
    const snapshot = this.vectors.slice(0, rows * this.dim);
    // Removed rows are all zero: they score 0 in the graph and are filtered out by id at search time.
    const changedBefore = new Set(this.dirty);
    this.building = AnnIndex.build({ embeddings: snapshot, dim: this.dim })
      .then((ann) => {
        this.ann = ann;
        // Rows that changed while the graph was built stay dirty; the others are in the graph as they are now.
        for (const row of changedBefore) if (this.ann && row < rows && !this.changedSince(row, snapshot)) this.dirty.delete(row);
      })
      .catch((error: unknown) => this.options.warn?.('building the visual HNSW index failed', error))
      .finally(() => {
        this.building = null;
      });
  }

  /** Whether a row's current vector differs from the one the graph was built from. */
  private changedSince(row: number, snapshot: Float32Array): boolean {
    const o = row * this.dim;
    for (let d = 0; d < this.dim; d++) if (this.vectors[o + d] !== snapshot[o + d]) return true;
    return false;
  }
}
