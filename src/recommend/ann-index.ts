/**
 * Approximate maximum-inner-product search over a model's item embeddings (HNSW, hnswlib-node): what
 * the model candidates come from once scoring every item per request costs too much.
 */
import hnswlib from 'hnswlib-node';
import { CurioError, yieldToLoop } from '../core/index.js';
import { topK } from '../models/index.js';
import { byScore } from './rank.js';

/** HNSW settings: graph degree, build-time and query-time beam widths (higher = better recall, slower). */
export interface AnnParams {
  m: number;
  efConstruction: number;
  /** Beam width of a search for k items (raised to k, and by the over-fetch when a filter excludes items). */
  efSearch: number;
  /** Seeds the level draw: the same embeddings and seed build the same graph. */
  seed: number;
}

/** Inner-product graphs need a higher degree than metric ones: recall stalls lower at m = 32 (bench/ann.ts, docs/serving.md). */
export const DEFAULT_ANN_PARAMS: AnnParams = { m: 48, efConstruction: 100, efSearch: 128, seed: 100 };

/** One item and its exact score (the dot product with the query). */
export interface AnnHit {
  index: number;
  score: number;
}

export interface BuildAnnOptions {
  /** Row-major [items, dim]; kept (not copied) for exact scores and the exact fallback. */
  embeddings: Float32Array;
  dim: number;
  params?: Partial<AnnParams>;
  /** The build hands the event loop back this often so requests keep being served; default 20 ms. */
  yieldEveryMs?: number;
}

/** Below this share of allowed items the filtered walk costs more than scoring them all (bench/ann.ts). */
const EXACT_BELOW_SHARE = 0.05;
const SHARE_SAMPLES = 256;
/** Fetched per wanted item per share allowed, so the allowed among them still hold the best ones. */
const OVERFETCH = 1.2;

/** Row `index` · `vector`: the same sum, in the same order and rounded to float32 as the model's `scoreAll`. */
function dot(embeddings: Float32Array, dim: number, vector: Float32Array, index: number): number {
  let s = 0;
  const o = index * dim;
  for (let d = 0; d < dim; d++) s += vector[d] * embeddings[o + d];
  return Math.fround(s);
}

export interface LoadAnnOptions {
  /** A file written by `AnnIndex.save` over these same embeddings (the caller checks that: ann-cache.ts). */
  path: string;
  embeddings: Float32Array;
  dim: number;
  params?: Partial<AnnParams>;
  /** 'built' when the file was written by a build just now (ann-build-thread.ts); default 'loaded'. */
  origin?: AnnOrigin['source'];
  /** When that build started (performance.now()), so the origin's seconds cover it; default now. */
  startedAt?: number;
}

/** How an index's graph came to be, and how long that took. */
export interface AnnOrigin {
  source: 'built' | 'loaded';
  seconds: number;
}

/** The number of rows in `embeddings`, or a BAD_INPUT error when they are not whole rows of `dim`. */
function rowsOf(embeddings: Float32Array, dim: number): number {
  const size = embeddings.length / dim;
  if (!Number.isInteger(size) || size < 1 || dim < 1) {
    throw new CurioError('BAD_INPUT', `embeddings of length ${embeddings.length} do not hold whole rows of ${dim}`);
  }
  return size;
}

/** An HNSW graph in inner-product space over item embeddings, built once per serving snapshot (or loaded). */
export class AnnIndex {
  private constructor(
    private readonly hnsw: hnswlib.HierarchicalNSW,
    private readonly embeddings: Float32Array,
    readonly dim: number,
    private readonly settings: AnnParams,
    readonly origin: AnnOrigin,
  ) {}

  /** The settings the index was built with, and the current efSearch. */
  get params(): Readonly<AnnParams> {
    return this.settings;
  }

  /** Changes the query-time beam width (recall against speed) without rebuilding. */
  setEfSearch(efSearch: number): void {
    if (!(Number.isInteger(efSearch) && efSearch >= 1))
      throw new CurioError('BAD_INPUT', `efSearch must be a positive integer, got ${efSearch}`);
    this.hnsw.setEf(efSearch);
    this.settings.efSearch = efSearch;
  }

  /** Builds the index, yielding to the event loop between chunks of inserts. */
  static async build(options: BuildAnnOptions): Promise<AnnIndex> {
    const { embeddings, dim } = options;
    const size = rowsOf(embeddings, dim);
    const params = { ...DEFAULT_ANN_PARAMS, ...options.params };
    const started = performance.now();
    const hnsw = new hnswlib.HierarchicalNSW('ip', dim);
    hnsw.initIndex({ maxElements: size, m: params.m, efConstruction: params.efConstruction, randomSeed: params.seed });
    const yieldMs = options.yieldEveryMs ?? 20;
    let slice = performance.now();
    for (let i = 0; i < size; i++) {
      hnsw.addPoint(Array.from(embeddings.subarray(i * dim, (i + 1) * dim)), i);
      if (performance.now() - slice > yieldMs) {
        await yieldToLoop();
        slice = performance.now();
      }
    }
    hnsw.setEf(params.efSearch);
    return new AnnIndex(hnsw, embeddings, dim, params, { source: 'built', seconds: (performance.now() - started) / 1000 });
  }

  /**
   * Reads a graph written by `save` (off the main thread). Fails with BAD_INPUT when the file cannot be
   * read or holds another number of items; it does not check that the graph was built from these
   * embeddings or params (the sidecar in ann-cache.ts does).
   */
  static async load(options: LoadAnnOptions): Promise<AnnIndex> {
    const { path, embeddings, dim } = options;
    const size = rowsOf(embeddings, dim);
    const params = { ...DEFAULT_ANN_PARAMS, ...options.params };
    const started = options.startedAt ?? performance.now();
    // Always a fresh object: hnswlib-node frees an existing graph before reading and, if the read then
    // fails, keeps the freed pointer (a double free when the object is collected).
    const hnsw = new hnswlib.HierarchicalNSW('ip', dim);
    try {
      await hnsw.readIndex(path);
    } catch (cause) {
      throw new CurioError('BAD_INPUT', `cannot read the HNSW index ${path}`, { cause });
    }
    if (hnsw.getCurrentCount() !== size) {
      throw new CurioError('BAD_INPUT', `the HNSW index ${path} holds ${hnsw.getCurrentCount()} items, the embeddings ${size}`);
    }
    hnsw.setEf(params.efSearch);
    const source = options.origin ?? 'loaded';
    return new AnnIndex(hnsw, embeddings, dim, params, { source, seconds: (performance.now() - started) / 1000 });
  }

  /** Writes the graph (with hnswlib's own copy of the vectors) to `path` off the main thread; `load` reads it back. */
  async save(path: string): Promise<void> {
    try {
      await this.hnsw.writeIndex(path);
    } catch (cause) {
      throw new CurioError('INTERNAL', `cannot write the HNSW index ${path}`, { cause });
    }
  }

  /**
   * The same graph over `embeddings`, which must hold the same values (a new model's copy of them): lets a
   * new snapshot reuse the graph while the old model's arrays are freed. The graph is shared, which is
   * safe because every walk sets its own beam width.
   */
  withEmbeddings(embeddings: Float32Array): AnnIndex {
    if (embeddings.length !== this.embeddings.length) {
      throw new CurioError('BAD_INPUT', `embeddings of length ${embeddings.length} cannot replace ${this.embeddings.length}`);
    }
    return new AnnIndex(this.hnsw, embeddings, this.dim, { ...this.settings }, this.origin);
  }

  /** Items indexed (0..size-1). */
  get size(): number {
    return this.embeddings.length / this.dim;
  }

  /** The exact score of item `index` for `vector`. */
  score(vector: Float32Array, index: number): number {
    return dot(this.embeddings, this.dim, vector, index);
  }

  /**
   * The k allowed items with the largest dot product with `vector`, best first (approximately). Fetches
   * more than k in proportion to the share of items allowed (estimated from a sample) and keeps the
   * allowed ones; when they are too few (the excluded items were the best), walks again skipping the
   * excluded items inside the graph; when few items are allowed at all (a narrow category), or the walk
   * still comes back short, scores every allowed item exactly, which is then cheaper.
   */
  search(vector: Float32Array, k: number, allowed?: (index: number) => boolean): AnnHit[] {
    const want = Math.min(k, this.size);
    if (want <= 0) return [];
    if (vector.length !== this.dim) throw new CurioError('BAD_INPUT', `query has ${vector.length} dimensions, the index ${this.dim}`);
    const share = allowed ? this.allowedShare(allowed) : 1;
    if (share < EXACT_BELOW_SHARE) return this.exact(vector, k, allowed);
    const query = Array.from(vector);
    const fetch = Math.min(this.size, Math.ceil((OVERFETCH * want) / share));
    // The beam grows with the fetch: efSearch is the width for k items when everything is allowed.
    let found = this.walk(query, fetch, Math.ceil((this.settings.efSearch * fetch) / want));
    found = (allowed ? found.filter(allowed) : found).slice(0, want);
    if (found.length < want && allowed) found = this.walk(query, want, this.settings.efSearch, allowed);
    if (found.length < want) return this.exact(vector, k, allowed);
    // hnswlib returns 1 - dot in float32; rescore exactly so scores match the model's own.
    return found.map((index) => ({ index, score: this.score(vector, index) })).sort(byScore);
  }

  /** One graph walk for the n nearest with a beam of `ef` (hnswlib raises it to n), best first. */
  private walk(query: number[], n: number, ef: number, filter?: (index: number) => boolean): number[] {
    this.hnsw.setEf(ef);
    try {
      return this.hnsw.searchKnn(query, n, filter).neighbors;
    } finally {
      this.hnsw.setEf(this.settings.efSearch);
    }
  }

  /** The share of items `allowed` lets through, from evenly spaced samples. */
  private allowedShare(allowed: (index: number) => boolean): number {
    const samples = Math.min(SHARE_SAMPLES, this.size);
    let pass = 0;
    for (let j = 0; j < samples; j++) if (allowed(Math.floor(((j + 0.5) * this.size) / samples))) pass++;
    return pass / samples;
  }

  /** The exact k best allowed items (the reference the index approximates, and its fallback). */
  exact(vector: Float32Array, k: number, allowed?: (index: number) => boolean): AnnHit[] {
    const scores = new Float32Array(this.size);
    for (let i = 0; i < scores.length; i++) scores[i] = !allowed || allowed(i) ? this.score(vector, i) : Number.NEGATIVE_INFINITY;
    return Array.from(topK(scores, k), (index) => ({ index, score: scores[index] }));
  }
}
