/**
 * Item pictures: the picture an item was uploaded with (as the encoder's input, greyscale pixels) and its
 * visual embedding, or an embedding the shop computed with its own image model. Items are catalogue data,
 * not personal data: nothing here names a shopper, and a shopper's photo sent to shop by photo is never stored.
 */
import type { EpochMs } from '../core/index.js';

/** An uploaded picture, kept at the encoder's input size so it can be embedded again when the encoder changes. */
export interface UploadedPicture {
  kind: 'image';
  itemId: string;
  /** Side of the square picture in pixels. */
  size: number;
  /** Greyscale, row-major, size×size bytes (0 black, 255 white). */
  pixels: Uint8Array;
  /** The encoder's embedding of `pixels` (L2-normalised), or null until an encoder has embedded it. */
  embedding: Float32Array | null;
  /** The model version that computed `embedding`; null with it. */
  encoder: string | null;
  updatedAt: EpochMs;
}

/** An embedding the shop sent from its own image model: no pixels, and its own dimension (`pictures.embeddingDim`). */
export interface SentEmbedding {
  kind: 'embedding';
  itemId: string;
  embedding: Float32Array;
  updatedAt: EpochMs;
}

export type ItemPicture = UploadedPicture | SentEmbedding;

/** The store's part of item pictures: one row per item, replaced by each upload. */
export interface PictureRecords {
  /** Stores (replaces) each item's picture, in one transaction. */
  putItemPictures(pictures: ItemPicture[]): Promise<void>;
  getItemPicture(itemId: string): Promise<ItemPicture | null>;
  /** False when the item had none. */
  deleteItemPicture(itemId: string): Promise<boolean>;
  /** Every stored picture, in item id order. */
  scanItemPictures(batchSize?: number): AsyncIterable<ItemPicture>;
}

/** The columns both adapters store a picture in (`item_pictures`). */
export interface PictureRow {
  item_id: string;
  kind: string;
  size: number | null;
  pixels: Uint8Array | null;
  embedding: Uint8Array | null;
  encoder: string | null;
  updated_at: number | string;
}

/** Float32 values as little-endian bytes (a copy: the array may be a view into a larger buffer). */
export function floatBytes(vector: Float32Array): Buffer {
  return Buffer.from(new Float32Array(vector).buffer);
}

/** Little-endian bytes back into Float32 values, copied so the result owns an aligned buffer. */
export function bytesFloats(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function pictureRow(p: ItemPicture): PictureRow {
  const common = { item_id: p.itemId, kind: p.kind, updated_at: p.updatedAt };
  return p.kind === 'image'
    ? {
        ...common,
        size: p.size,
        pixels: Buffer.from(p.pixels),
        embedding: p.embedding ? floatBytes(p.embedding) : null,
        encoder: p.encoder,
      }
    : { ...common, size: null, pixels: null, embedding: floatBytes(p.embedding), encoder: null };
}

export function rowPicture(r: PictureRow): ItemPicture {
  const updatedAt = Number(r.updated_at);
  if (r.kind === 'embedding') return { kind: 'embedding', itemId: r.item_id, embedding: bytesFloats(r.embedding!), updatedAt };
  return {
    kind: 'image',
    itemId: r.item_id,
    size: r.size!,
    pixels: new Uint8Array(r.pixels!),
    embedding: r.embedding ? bytesFloats(r.embedding) : null,
    encoder: r.encoder,
    updatedAt,
  };
}
