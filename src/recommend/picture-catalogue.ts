/**
 * The item pictures a server knows: the stored pictures and embeddings (loaded at start, kept current by
 * every upload through it), their visual indexes, and the image encoder that embeds uploads and shoppers'
 * photos. Two embedding spaces never mix: the encoder's (uploaded pictures) and the shop's own (sent
 * embeddings); an item is compared only within the space its own picture is in.
 */
import { randomUUID } from 'node:crypto';
import { CurioError, type Config } from '../core/index.js';
import { decodePicture, pixelsToInput, type DecodedPicture } from '../pictures/index.js';
import type { Change, ItemPicture, Store, UploadedPicture } from '../store/index.js';
import type { ColdPictureSource } from './cold-items.js';
import { VisualIndex, type VisualHit } from './visual-index.js';

/** What the catalogue needs of an image encoder (`ImageEncoder` in src/pictures/encoder.ts). */
export interface PictureEncoder {
  readonly size: number;
  readonly dim: number;
  /** count×dim unit rows for count×size×size pixel values in [0, 1]. */
  embed(pixels: Float32Array, count: number): Float32Array;
}

/** An encoder and the model version it came from (stored with every embedding it makes). */
export interface EncoderInUse {
  encoder: PictureEncoder;
  version: string;
}

/** Where an item's picture is compared: the encoder's space, or the shop's own embeddings'. */
export type PictureSpace = 'picture' | 'embedding';

/** Side in pixels pictures are kept at while no encoder says otherwise (Fashion-MNIST's). */
export const DEFAULT_PICTURE_SIZE = 28;
/** Stored pictures embedded per encoder call when an encoder arrives. */
const EMBED_BATCH = 256;

export interface PictureCatalogueOptions {
  store: Store;
  settings: Config['pictures'];
  /** The encoder in use now, or null while none is trained. */
  encoder: () => EncoderInUse | null;
  /** Tells the other processes (the change feed) that an item's picture changed; default: no one. */
  publish?: (change: Change) => void;
  warn?: (message: string, error: unknown) => void;
}

/** What an upload stored. */
export interface PictureReceipt {
  itemId: string;
  kind: ItemPicture['kind'];
  /** Side of the stored picture; null for a sent embedding. */
  size: number | null;
  /** Length of the item's embedding; null while no encoder has embedded its picture. */
  dim: number | null;
  /** The encoder version that embedded the picture; null for a sent embedding or while none has. */
  encoder: string | null;
  updatedAt: string;
}

function receipt(p: ItemPicture): PictureReceipt {
  return {
    itemId: p.itemId,
    kind: p.kind,
    size: p.kind === 'image' ? p.size : null,
    dim: p.embedding?.length ?? null,
    encoder: p.kind === 'image' ? p.encoder : null,
    updatedAt: new Date(p.updatedAt).toISOString(),
  };
}

export class PictureCatalogue implements ColdPictureSource {
  /** Moves with every change of the encoder's space (ColdPictureSource). */
  version = 0;
  /** The encoder's space: items whose uploaded picture the current encoder embedded. */
  private pictures: VisualIndex | null = null;
  private picturesVersion: string | null = null;
  /** The shop's own embeddings. */
  private sent: VisualIndex | null = null;
  private readonly spaceOf = new Map<string, PictureSpace>();

  /** Marks this catalogue's own changes on the feed, so it does not apply them twice. */
  readonly origin = `pictures:${randomUUID()}`;

  constructor(private readonly options: PictureCatalogueOptions) {}

  /** Loads every stored picture; those the current encoder has not embedded are embedded (and stored) now. */
  async start(): Promise<void> {
    await this.loadStored(true);
  }

  /**
   * The encoder changed (a new `pictures` version serves): the encoder's space is built again from the store,
   * and the pictures the new encoder has not embedded yet are embedded (and stored) now.
   */
  async reload(): Promise<void> {
    for (const [itemId, space] of this.spaceOf) if (space === 'picture') this.spaceOf.delete(itemId);
    this.pictures = null;
    this.picturesVersion = null;
    this.version++;
    await this.loadStored(false);
  }

  /** Indexes the stored pictures (and the sent embeddings, with `withSent`); those the encoder has not embedded are embedded now. */
  private async loadStored(withSent: boolean): Promise<void> {
    const stale: ItemPicture[] = [];
    for await (const p of this.options.store.scanItemPictures()) {
      if (p.kind === 'embedding') {
        if (withSent) this.indexSent(p.itemId, p.embedding);
      } else if (!this.indexPicture(p)) stale.push(p);
    }
    await this.embedStored(stale);
  }

  /** Items with a picture (or embedding) in each space. */
  get counts(): Record<PictureSpace, number> {
    return { picture: this.pictures?.size ?? 0, embedding: this.sent?.size ?? 0 };
  }

  /** The index of a space (null while it holds nothing). */
  index(space: PictureSpace): VisualIndex | null {
    return space === 'picture' ? this.pictures : this.sent;
  }

  /** The space an item's picture is in, or null. */
  spaceOfItem(itemId: string): PictureSpace | null {
    return this.spaceOf.get(itemId) ?? null;
  }

  /** An item's unit embedding in the encoder's space (its uploaded picture's), or null. */
  visualOf(itemId: string): Float32Array | null {
    return this.pictures?.vectorOf(itemId) ?? null;
  }

  /**
   * Every item's unit embedding, of the encoder's space when it has any, else of the shop's own: one space
   * only, so the tagger's embedding features mean one thing (src/interest/tagging).
   */
  embeddings(): Map<string, Float32Array> {
    const index = this.pictures?.size ? this.pictures : this.sent;
    const out = new Map<string, Float32Array>();
    if (index) for (const id of index.itemIds()) out.set(id, Float32Array.from(index.vectorOf(id)!));
    return out;
  }

  /** An item's unit embedding in its space, or null. */
  vectorOf(itemId: string): Float32Array | null {
    const space = this.spaceOf.get(itemId);
    return space ? (this.index(space)?.vectorOf(itemId) ?? null) : null;
  }

  /** Decodes an upload at the encoder's size (BAD_INPUT for a bad picture). */
  decode(bytes: Uint8Array): Promise<DecodedPicture> {
    const size = this.options.encoder()?.encoder.size ?? DEFAULT_PICTURE_SIZE;
    return decodePicture(bytes, { size, maxPixels: this.options.settings.maxPixels });
  }

  /** Stores (replaces) an item's uploaded pictures, embedded by the encoder when there is one. */
  async putPictures(uploads: Array<{ itemId: string; picture: DecodedPicture }>, now = Date.now()): Promise<PictureReceipt[]> {
    const current = this.options.encoder();
    const fits = current !== null && uploads.every((u) => u.picture.size === current.encoder.size);
    const embeddings = fits
      ? this.embed(
          current,
          uploads.map((u) => u.picture.pixels),
        )
      : null;
    const records = uploads.map(({ itemId, picture }, k): UploadedPicture => ({
      kind: 'image',
      itemId,
      size: picture.size,
      pixels: picture.pixels,
      embedding: embeddings && current ? embeddings.slice(k * current.encoder.dim, (k + 1) * current.encoder.dim) : null,
      encoder: embeddings && current ? current.version : null,
      updatedAt: now,
    }));
    await this.options.store.putItemPictures(records);
    for (const r of records) {
      this.forget(r.itemId);
      this.indexPicture(r);
      this.changed(r.itemId);
    }
    return records.map(receipt);
  }

  /**
   * Stores (replaces) an embedding the shop computed. Its length must be `pictures.embeddingDim`, or that
   * of the embeddings already sent when it is not set: one shop, one image model, one space.
   */
  async putEmbedding(itemId: string, values: Float32Array, now = Date.now()): Promise<PictureReceipt> {
    const want = this.options.settings.embeddingDim ?? this.sent?.dim ?? null;
    if (want !== null && values.length !== want) {
      const message = `has ${values.length} values; this shop's embeddings have ${want} (pictures.embeddingDim)`;
      throw new CurioError('BAD_INPUT', `invalid embedding: ${message}`, { problems: [{ path: 'embedding', message }] });
    }
    const record: ItemPicture = { kind: 'embedding', itemId, embedding: values, updatedAt: now };
    await this.options.store.putItemPictures([record]);
    this.forget(itemId);
    this.indexSent(itemId, values);
    this.changed(itemId);
    return receipt(record);
  }

  /** The stored picture's receipt, or null. */
  async describe(itemId: string): Promise<PictureReceipt | null> {
    const p = await this.options.store.getItemPicture(itemId);
    return p ? receipt(p) : null;
  }

  /** Deletes an item's picture or embedding; false when it had none. */
  async remove(itemId: string): Promise<boolean> {
    this.forget(itemId);
    const removed = await this.options.store.deleteItemPicture(itemId);
    if (removed) this.changed(itemId);
    return removed;
  }

  /**
   * Applies another process's picture change from the feed: the item's picture is read again from the
   * store (the change carries only its id, so a redelivery or a late one reads what is there now).
   */
  async apply(change: Change): Promise<void> {
    if (change.kind !== 'picture-changed' || change.origin === this.origin) return;
    const stored = await this.options.store.getItemPicture(change.itemId);
    this.forget(change.itemId);
    if (!stored) return;
    if (stored.kind === 'embedding') return this.indexSent(stored.itemId, stored.embedding);
    if (!this.indexPicture(stored)) await this.embedStored([stored]);
  }

  /** A shopper's photo in the encoder's space (UNAVAILABLE while no encoder is trained). */
  async embedPhoto(bytes: Uint8Array): Promise<Float32Array> {
    const current = this.options.encoder();
    if (!current)
      throw new CurioError(
        'UNAVAILABLE',
        'no image encoder is trained yet: train one with `curio jobs start pictures` (or POST /v1/admin/jobs {"kind":"pictures"})',
      );
    const picture = await this.decode(bytes);
    return this.embed(current, [picture.pixels]);
  }

  /** Items that look like the item (in its own space), best first; NOT_FOUND when it has no picture. */
  similar(itemId: string, k: number, allows: (itemId: string) => boolean): VisualHit[] {
    const space = this.spaceOf.get(itemId);
    const index = space ? this.index(space) : null;
    const vector = index?.vectorOf(itemId);
    if (!index || !vector) throw new CurioError('NOT_FOUND', `item "${itemId}" has no picture or embedding`);
    return index.search(Float32Array.from(vector), k, (id) => id !== itemId && allows(id));
  }

  /** Waits for background index builds (tests, benches). */
  async settled(): Promise<void> {
    await this.pictures?.settled();
    await this.sent?.settled();
  }

  private changed(itemId: string): void {
    this.options.publish?.({ kind: 'picture-changed', itemId, origin: this.origin });
  }

  private embed(current: EncoderInUse, pixels: Uint8Array[]): Float32Array {
    const { size } = current.encoder;
    const input = new Float32Array(pixels.length * size * size);
    pixels.forEach((p, k) => pixelsToInput(p, input, k * size * size));
    return current.encoder.embed(input, pixels.length);
  }

  /** Indexes an uploaded picture when the current encoder embedded it; false when it needs embedding. */
  private indexPicture(p: UploadedPicture): boolean {
    const current = this.options.encoder();
    if (!current || !p.embedding || p.encoder !== current.version) return false;
    if (this.picturesVersion !== current.version || !this.pictures) {
      this.pictures = new VisualIndex({
        dim: current.encoder.dim,
        annMinItems: this.options.settings.annMinItems,
        warn: this.options.warn,
      });
      this.picturesVersion = current.version;
    }
    this.pictures.set(p.itemId, p.embedding);
    this.spaceOf.set(p.itemId, 'picture');
    this.version++;
    return true;
  }

  private indexSent(itemId: string, embedding: Float32Array): void {
    this.sent ??= new VisualIndex({ dim: embedding.length, annMinItems: this.options.settings.annMinItems, warn: this.options.warn });
    if (embedding.length !== this.sent.dim) return this.options.warn?.(`item "${itemId}": a sent embedding of another length`, null);
    this.sent.set(itemId, embedding);
    this.spaceOf.set(itemId, 'embedding');
  }

  private forget(itemId: string): void {
    const space = this.spaceOf.get(itemId);
    if (space) this.index(space)?.delete(itemId);
    if (space === 'picture') this.version++;
    this.spaceOf.delete(itemId);
  }

  /** Embeds stored pictures the current encoder has not (kept at its size), and stores the embeddings. */
  private async embedStored(stale: ItemPicture[]): Promise<void> {
    const current = this.options.encoder();
    if (!current) return;
    const fit = stale.filter((p): p is UploadedPicture => p.kind === 'image' && p.size === current.encoder.size);
    for (let i = 0; i < fit.length; i += EMBED_BATCH) {
      const batch = fit.slice(i, i + EMBED_BATCH);
      const embeddings = this.embed(
        current,
        batch.map((p) => p.pixels),
      );
      const dim = current.encoder.dim;
      const records = batch.map((p, k) => ({ ...p, embedding: embeddings.slice(k * dim, (k + 1) * dim), encoder: current.version }));
      await this.options.store.putItemPictures(records);
      for (const r of records) this.indexPicture(r);
    }
  }
}
