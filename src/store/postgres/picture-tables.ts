import type pg from 'pg';
import { pictureRow, rowPicture, type ItemPicture, type PictureRecords, type PictureRow } from '../picture-records.js';
import { inTransaction, query } from './connection.js';

const COLUMNS = ['item_id', 'kind', 'size', 'pixels', 'embedding', 'encoder', 'updated_at'] as const;
/** Rows per INSERT: 7 parameters each, well under PostgreSQL's 65,535. */
const CHUNK = 500;

/** Item pictures in PostgreSQL (BYTEA columns), with the SQLite adapter's semantics (`sqlite/picture-tables.ts`). */
export class PostgresPictureTables implements PictureRecords {
  constructor(private readonly pool: pg.Pool) {}

  async putItemPictures(pictures: ItemPicture[]): Promise<void> {
    // The last picture of an item in one call wins, as it does on SQLite (one statement cannot touch a row twice).
    const last = [...new Map(pictures.map((p) => [p.itemId, p])).values()];
    await inTransaction(this.pool, async (client) => {
      for (let i = 0; i < last.length; i += CHUNK) {
        const rows = last.slice(i, i + CHUNK).map(pictureRow);
        const values = rows.flatMap((r) => COLUMNS.map((c) => r[c]));
        const tuples = rows.map((_, k) => `(${COLUMNS.map((_, c) => `$${k * COLUMNS.length + c + 1}`).join(', ')})`);
        await client.query(
          `INSERT INTO item_pictures (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}
           ON CONFLICT (item_id) DO UPDATE SET kind = EXCLUDED.kind, size = EXCLUDED.size, pixels = EXCLUDED.pixels,
             embedding = EXCLUDED.embedding, encoder = EXCLUDED.encoder, updated_at = EXCLUDED.updated_at`,
          values,
        );
      }
    });
  }

  async getItemPicture(itemId: string): Promise<ItemPicture | null> {
    const { rows } = await query<PictureRow>(this.pool, 'SELECT * FROM item_pictures WHERE item_id = $1', [itemId]);
    return rows.length ? rowPicture(rows[0]) : null;
  }

  async deleteItemPicture(itemId: string): Promise<boolean> {
    const result = await query(this.pool, 'DELETE FROM item_pictures WHERE item_id = $1', [itemId]);
    return (result.rowCount ?? 0) > 0;
  }

  async *scanItemPictures(batchSize = 1000): AsyncIterable<ItemPicture> {
    let after = '';
    for (;;) {
      const { rows } = await query<PictureRow>(this.pool, 'SELECT * FROM item_pictures WHERE item_id > $1 ORDER BY item_id LIMIT $2', [
        after,
        batchSize,
      ]);
      for (const r of rows) yield rowPicture(r);
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].item_id;
    }
  }
}
