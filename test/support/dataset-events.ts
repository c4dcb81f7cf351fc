import { EVENT_TYPES, type Event } from '../../src/core/index.js';
import { userCount, userSequence, type SequenceDataset } from '../../src/data/index.js';

/** A built sequence dataset as store events (ids `e<user>-<k>`), for tests that shape a shop by its sequences. */
export function datasetEvents(ds: SequenceDataset): Event[] {
  const events: Event[] = [];
  for (let u = 0; u < userCount(ds); u++) {
    const seq = userSequence(ds, u);
    seq.items.forEach((i, k) =>
      events.push({
        id: `e${u}-${k}`,
        userId: ds.users[u],
        itemId: ds.items[i],
        type: EVENT_TYPES[seq.types[k]],
        value: null,
        timestamp: seq.timestampsMs[k],
        sessionId: null,
        context: {},
      }),
    );
  }
  return events;
}
