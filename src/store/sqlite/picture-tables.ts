import { pictureRow, rowPicture, type ItemPicture, type PictureRow } from '../picture-records.js';
import type { WriteTransaction } from './training-tables.js';
import type { StatementCache } from './write-steps.js';

const UPSERT = `INSERT INTO item_pictures (item_id, kind, size, pixels, embedding, encoder, updated_at)
  VALUES (@item_id, @kind, @size, @pixels, @embedding, @encoder, @updated_at)
  ON CONFLICT(item_id) DO UPDATE SET kind = excluded.kind, size = excluded.size, pixels = excluded.pixels,
    embedding = excluded.embedding, encoder = excluded.encoder, updated_at = excluded.updated_at`;

/** Item pictures on the store's own connection: uploads are catalogue writes, far rarer than events. */
export class PictureTables {
  constructor(
    private readonly sql: StatementCache,
    private readonly transaction: WriteTransaction,
  ) {}

  putItemPictures(pictures: ItemPicture[]): void {
    this.transaction(() => {
      for (const p of pictures) this.sql(UPSERT).run(pictureRow(p));
    });
  }

  getItemPicture(itemId: string): ItemPicture | null {
    const row = this.sql('SELECT * FROM item_pictures WHERE item_id = ?').get(itemId) as PictureRow | undefined;
    return row ? rowPicture(row) : null;
  }

  deleteItemPicture(itemId: string): boolean {
    return this.sql('DELETE FROM item_pictures WHERE item_id = ?').run(itemId).changes > 0;
  }

  pictureBatch(after: string, limit: number): ItemPicture[] {
    const rows = this.sql('SELECT * FROM item_pictures WHERE item_id > ? ORDER BY item_id LIMIT ?').all(after, limit) as PictureRow[];
    return rows.map(rowPicture);
  }
}
