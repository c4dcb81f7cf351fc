import type { EventType } from '../../core/index.js';
import { lineSource } from './line-source.js';
import { integerId, RowError, splitColumns, unixSeconds } from './row-error.js';
import { makeEvent, type Importer } from './types.js';

/** Taobao behaviour codes → Curio event types. */
const BEHAVIOURS: Readonly<Record<string, EventType>> = { pv: 'view', fav: 'favorite', cart: 'cart', buy: 'purchase' };

/** Taobao UserBehavior.csv: `user,item,category,behaviour,unix seconds`, no header. */
export const taobaoImporter: Importer = {
  id: 'taobao',
  summary: 'Taobao UserBehavior.csv "user,item,category,pv|fav|cart|buy,unix seconds" (no header)',
  options: ['sourceName'],
  async open(file, options) {
    const prefix = `taobao:${options.sourceName}:`;
    return lineSource(file, {
      parse(text, line) {
        const [user, item, category, behaviour, time] = splitColumns(text, ',', 5);
        const type = BEHAVIOURS[behaviour];
        if (!type) throw new RowError(`behaviour "${behaviour}" is not one of ${Object.keys(BEHAVIOURS).join(', ')}`);
        const itemId = integerId(item, 'item id');
        const event = makeEvent({ id: `${prefix}${line}`, userId: integerId(user, 'user id'), itemId, type, timestamp: unixSeconds(time) });
        return { events: [event], items: [{ id: itemId, categoryPath: [integerId(category, 'category id')] }] };
      },
    });
  },
};
