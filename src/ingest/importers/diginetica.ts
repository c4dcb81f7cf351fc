import { lineSource } from './line-source.js';
import { checkedMs, expectHeader, integerId, isoTime, RowError, splitColumns } from './row-error.js';
import { makeEvent, type Importer } from './types.js';

const HEADER = 'session_id;user_id;item_id;timeframe;eventdate';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * DIGINETICA train-item-views.csv: `session;user|NA;item;ms since session start;YYYY-MM-DD`.
 * Time = the date at 00:00 UTC + timeframe; anonymous sessions become the user "session:<id>".
 */
export const digineticaImporter: Importer = {
  id: 'diginetica',
  summary: 'DIGINETICA item views "session_id;user_id;item_id;timeframe;eventdate" (header)',
  options: ['eventType', 'sourceName'],
  async open(file, options) {
    const prefix = `diginetica:${options.sourceName}:`;
    const type = options.eventType ?? 'view';
    return lineSource(file, {
      header: { checkHeader: expectHeader('diginetica', HEADER) },
      parse(text, line) {
        const [session, user, item, timeframe, date] = splitColumns(text, ';', 5);
        const sessionId = integerId(session, 'session id');
        const itemId = integerId(item, 'item id');
        if (!DATE.test(date)) throw new RowError(`eventdate "${date}" is not YYYY-MM-DD`);
        const offset = Number(integerId(timeframe, 'timeframe'));
        const timestamp = checkedMs(isoTime(date, 'eventdate') + offset, `${date} + ${timeframe} ms`);
        const userId = user === 'NA' ? `session:${sessionId}` : integerId(user, 'user id');
        return { events: [makeEvent({ id: `${prefix}${line}`, userId, itemId, type, timestamp, sessionId })], items: [{ id: itemId }] };
      },
    });
  },
};
