import { lineSource } from './line-source.js';
import { expectHeader, integerId, splitColumns, unixSeconds } from './row-error.js';
import { makeEvent, type Importer } from './types.js';

/**
 * YOOCHOOSE clicks as prepared by session-rec: `SessionId\tItemId\tTime` (unix seconds, fractional).
 * There are no user ids, so each session is its own user.
 */
export const yoochooseImporter: Importer = {
  id: 'yoochoose',
  summary: 'YOOCHOOSE clicks "SessionId<TAB>ItemId<TAB>Time" (header, unix seconds)',
  options: ['eventType', 'sourceName'],
  async open(file, options) {
    const prefix = `yoochoose:${options.sourceName}:`;
    const type = options.eventType ?? 'click';
    return lineSource(file, {
      header: { checkHeader: expectHeader('yoochoose', 'SessionId\tItemId\tTime') },
      parse(text, line) {
        const [session, item, time] = splitColumns(text, '\t', 3);
        const sessionId = integerId(session, 'session id');
        const itemId = integerId(item, 'item id');
        const event = makeEvent({
          id: `${prefix}${line}`,
          userId: `session:${sessionId}`,
          itemId,
          type,
          timestamp: unixSeconds(time),
          sessionId,
        });
        return { events: [event], items: [{ id: itemId }] };
      },
    });
  },
};
