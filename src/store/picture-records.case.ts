/**
 * The conformance suite of item pictures. `describeStore` runs it for every adapter, so a new adapter is
 * checked against it the day it runs the store suite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ItemPicture, PictureRecords, UploadedPicture } from './picture-records.js';

/** What the suite needs of a store: the records and a way to close it. */
export type PictureStore = PictureRecords & { close(): Promise<void> };

function uploaded(itemId: string, seed: number): UploadedPicture {
  return {
    kind: 'image',
    itemId,
    size: 4,
    pixels: Uint8Array.from({ length: 16 }, (_, k) => (k * 17 + seed) % 256),
    embedding: Float32Array.from([0.6, -0.8, seed / 1000]),
    encoder: 'mv-encoder-1',
    updatedAt: 1_700_000_000_000 + seed,
  };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function describePictureRecords(name: string, open: () => Promise<PictureStore>): void {
  describe(`PictureRecords conformance: ${name}`, () => {
    let store: PictureStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('round-trips an uploaded picture and a sent embedding bit for bit', async () => {
      const image = uploaded('i1', 7);
      const pending: ItemPicture = { ...uploaded('i2', 3), embedding: null, encoder: null };
      const sent: ItemPicture = { kind: 'embedding', itemId: 'i3', embedding: Float32Array.from([1e-30, -3.5, 2 ** 20]), updatedAt: 5 };
      await store.putItemPictures([image, pending, sent]);
      expect(await store.getItemPicture('i1')).toEqual(image);
      expect(await store.getItemPicture('i2')).toEqual(pending);
      expect(await store.getItemPicture('i3')).toEqual(sent);
      expect(await store.getItemPicture('nope')).toBeNull();
    });

    it('replaces an item picture, the last one of a batch winning, and deletes it', async () => {
      await store.putItemPictures([uploaded('i1', 1)]);
      const sent: ItemPicture = { kind: 'embedding', itemId: 'i1', embedding: Float32Array.from([1, 2]), updatedAt: 9 };
      await store.putItemPictures([uploaded('i1', 2), sent]);
      expect(await store.getItemPicture('i1')).toEqual(sent);
      expect(await store.deleteItemPicture('i1')).toBe(true);
      expect(await store.deleteItemPicture('i1')).toBe(false);
      expect(await store.getItemPicture('i1')).toBeNull();
    });

    it('scans every picture in item id order across batches', async () => {
      const ids = ['b', 'a', 'B', 'c-10', 'c-9'];
      await store.putItemPictures(ids.map((id, k) => uploaded(id, k)));
      const scanned = await collect(store.scanItemPictures(2));
      expect(scanned.map((p) => p.itemId)).toEqual(['B', 'a', 'b', 'c-10', 'c-9']);
      expect(scanned[1]).toEqual(uploaded('a', 1));
    });
  });
}
