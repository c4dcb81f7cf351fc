import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Event } from '../core/index.js';
import type { Change } from '../store/index.js';
import { sampleEvent, sampleItem } from '../store/store.case.js';
import { startNatsServer, stopAllNatsServers, TEST_NATS_URL, type NatsServer } from '../../test/support/nats-server.js';
import { decodeChange, encodeWithin, NatsChangeFeed, subjectPrefixOf, type NatsChangeFeedOptions } from './nats-change-feed.js';

const open: NatsChangeFeed[] = [];
const streams: Array<{ url: string; name: string }> = [];
const servers: NatsServer[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
  await deleteStreams(streams.splice(0));
});

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.dispose()));
  await stopAllNatsServers();
});

/** A stream no other test (or run) uses, deleted after the test. */
function uniqueStream(url: string): string {
  const name = `CURIO_TEST_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  streams.push({ url, name });
  return name;
}

async function deleteStreams(list: Array<{ url: string; name: string }>): Promise<void> {
  for (const { url, name } of list) {
    const nc = await connect({ servers: url, reconnect: false }).catch(() => null);
    if (!nc) continue;
    await (await jetstreamManager(nc)).streams.delete(name).catch(() => undefined);
    await nc.close();
  }
}

interface Node {
  feed: NatsChangeFeed;
  got: Change[];
  warnings: string[];
}

async function node(nodeId: string, options: Partial<NatsChangeFeedOptions> & { servers: string; stream: string }): Promise<Node> {
  const warnings: string[] = [];
  const feed = await NatsChangeFeed.connect({ nodeId, warn: (m) => warnings.push(m), ...options });
  open.push(feed);
  const got: Change[] = [];
  feed.subscribe((c) => got.push(c));
  return { feed, got, warnings };
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every change a stream holds, read with a connection of its own. */
async function streamChanges(url: string, name: string): Promise<Change[]> {
  const nc = await connect({ servers: url, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(name);
    const out: Change[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(name, { seq }).catch(() => null);
      if (m) out.push(decodeChange(m.data));
    }
    return out;
  } finally {
    await nc.close();
  }
}

const events = (prefix: string, n: number): Event[] => Array.from({ length: n }, (_, i) => sampleEvent(`${prefix}${i}`));
const eventIds = (changes: Change[]): string[] => changes.flatMap((c) => (c.kind === 'events-stored' ? c.events.map((e) => e.id) : []));
const marker = (itemId: string): Change => ({ kind: 'item-deleted', itemId });

describe('NatsChangeFeed on the shared NATS server', () => {
  it("hands one node's change to another within a second, and to its own subscribers once, at publish", async () => {
    const stream = uniqueStream(TEST_NATS_URL);
    const a = await node('node-a', { servers: TEST_NATS_URL, stream });
    const b = await node('node-b', { servers: TEST_NATS_URL, stream });
    const change: Change = { kind: 'events-stored', events: [sampleEvent('e1', { context: { recommendationId: 'r1', position: 2 } })] };
    const sentAt = Date.now();
    a.feed.publish(change);
    // Synchronously, before anything went over the network, stamped with the node id.
    expect(a.got).toEqual([{ ...change, origin: 'node-a' }]);

    await until(() => b.got.length === 1, 1000, "node B's copy");
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(b.got[0]).toEqual({ ...change, origin: 'node-a' });
    // An origin set by the writer (a serving runtime) travels as it is.
    a.feed.publish({ kind: 'items-stored', items: [sampleItem('i1')], origin: 'runtime:1' });
    await until(() => b.got.length === 2, 1000, 'the second change');
    expect(b.got[1]).toEqual({ kind: 'items-stored', items: [sampleItem('i1')], origin: 'runtime:1' });

    // B's answer is behind A's changes in the stream: once A has it, an echo of its own would have come first.
    b.feed.publish(marker('from-b'));
    await until(() => a.got.length === 3, 1000, "B's marker at A");
    expect(a.got.map((c) => c.kind)).toEqual(['events-stored', 'items-stored', 'item-deleted']);
    expect(a.feed.counters).toMatchObject({ published: 2, received: 1, outboxSize: 0, dropped: 0 });
    expect(b.feed.counters).toMatchObject({ published: 1, received: 2 });
  });

  it('delivers a message re-sent with the same message id once', async () => {
    const stream = uniqueStream(TEST_NATS_URL);
    const b = await node('node-b', { servers: TEST_NATS_URL, stream });
    const nc = await connect({ servers: TEST_NATS_URL });
    try {
      const js = jetstream(nc);
      const subject = `${subjectPrefixOf(stream)}.item-deleted`;
      const send = async (change: Change, msgID: string) => {
        const h = headers();
        h.set('Curio-Instance', 'another-process');
        const [data] = encodeWithin(change, 1 << 20).messages;
        return await js.publish(subject, data, { msgID, headers: h });
      };
      const first = await send(marker('x'), 'm-1');
      // As the outbox re-sends after a lost acknowledgement: once the publish timed out and the back-off passed.
      await new Promise((r) => setTimeout(r, 2500));
      const again = await send(marker('x'), 'm-1');
      expect(again).toMatchObject({ duplicate: true, seq: first.seq });
      await send(marker('after'), 'm-2');
    } finally {
      await nc.close();
    }
    await until(() => b.got.length >= 2, 1000, 'the message after the duplicate');
    expect(b.got).toEqual([marker('x'), marker('after')]);
  });

  it('a handler that throws does not stop later deliveries, here or on other nodes', async () => {
    const stream = uniqueStream(TEST_NATS_URL);
    const a = await node('node-a', { servers: TEST_NATS_URL, stream });
    const warnings: string[] = [];
    const b = await NatsChangeFeed.connect({ servers: TEST_NATS_URL, stream, nodeId: 'node-b', warn: (m) => warnings.push(m) });
    open.push(b);
    let thrown = 0;
    b.subscribe(() => {
      thrown++;
      throw new Error('a broken subscriber');
    });
    const got: Change[] = [];
    b.subscribe((c) => got.push(c));
    a.feed.subscribe(() => {
      throw new Error('a broken local subscriber');
    });

    for (let i = 0; i < 3; i++) expect(() => a.feed.publish(marker(`m${i}`))).not.toThrow();
    await until(() => got.length === 3, 2000, 'three deliveries past the throwing handler');
    expect(got.map((c) => (c as { itemId: string }).itemId)).toEqual(['m0', 'm1', 'm2']);
    expect(thrown).toBe(3);
    expect(warnings).toHaveLength(3);
    expect(a.got).toHaveLength(3);
    expect(a.warnings).toHaveLength(3);
  });

  it('splits a batch larger than a NATS message, and other nodes get every record', async () => {
    const stream = uniqueStream(TEST_NATS_URL);
    const a = await node('node-a', { servers: TEST_NATS_URL, stream });
    const b = await node('node-b', { servers: TEST_NATS_URL, stream });
    const batch = events('big', 10_000);
    a.feed.publish({ kind: 'events-stored', events: batch });
    await until(() => eventIds(b.got).length === batch.length && a.feed.counters.outboxSize === 0, 5000, 'the whole batch');
    expect(b.got.length).toBeGreaterThan(1);
    expect(b.got.flatMap((c) => (c.kind === 'events-stored' ? c.events : []))).toEqual(batch);
    expect(a.feed.counters).toMatchObject({ published: b.got.length, dropped: 0 });
  });

  it('erases every kept change naming an erased user from the stream, keeping a young erasure notice', async () => {
    const stream = uniqueStream(TEST_NATS_URL);
    const a = await node('node-a', { servers: TEST_NATS_URL, stream });
    const gone = 'zq-erased-7f3a9c';
    a.feed.publish({ kind: 'events-stored', events: [sampleEvent('g1', { userId: gone }), sampleEvent('k1', { userId: 'kept' })] });
    a.feed.publish({ kind: 'events-stored', events: [sampleEvent('k2', { userId: 'kept' })] });
    a.feed.publish({
      kind: 'users-stored',
      users: [{ id: gone, attributes: {}, consent: { tracking: true, personalization: true }, createdAt: 1, updatedAt: 1 }],
    });
    a.feed.publish({
      kind: 'slates-served',
      slates: [{ recommendationId: 'r1', userId: gone, timestamp: 1, policy: 'greedy', shown: [] }],
    });
    a.feed.publish({ kind: 'user-erased', userId: gone });
    await until(() => a.feed.counters.published === 5, 2000, 'five messages on the stream');
    const erased = (id: string) => id === gone;

    expect(await a.feed.forgetUsers(erased, { keepNoticesMs: 60_000 })).toEqual({ removed: 3, keptNotices: 1 });
    // What the stream holds now: the other user's events, and the notice (for nodes that were away).
    const kept = await streamChanges(TEST_NATS_URL, stream);
    expect(kept.map((c) => c.kind)).toEqual(['events-stored', 'user-erased']);
    expect(eventIds(kept)).toEqual(['k2']);
    expect(await a.feed.forgetUsers(erased, { keepNoticesMs: 0 })).toEqual({ removed: 1, keptNotices: 0 });
    expect(JSON.stringify(await streamChanges(TEST_NATS_URL, stream))).not.toContain(gone);
  });

  it('close() leaves nothing open: a process that used a feed exits by itself', async () => {
    const stream = uniqueStream(TEST_NATS_URL);
    const feedModule = new URL('./nats-change-feed.ts', import.meta.url).pathname;
    const script = `
      import { NatsChangeFeed } from ${JSON.stringify(feedModule)};
      const options = { servers: ${JSON.stringify(TEST_NATS_URL)}, stream: ${JSON.stringify(stream)} };
      const a = await NatsChangeFeed.connect({ ...options, nodeId: 'a' });
      const b = await NatsChangeFeed.connect({ ...options, nodeId: 'b' });
      let got = 0;
      b.subscribe(() => got++);
      a.publish({ kind: 'item-deleted', itemId: 'x' });
      while (got === 0) await new Promise((r) => setTimeout(r, 5));
      await a.close();
      await b.close();
      console.log('closed');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exit;
    clearTimeout(timer);
    expect(output).toContain('closed');
    expect(code, `the process did not exit by itself after close():\n${output}`).toBe(0);
  });
});

describe('NatsChangeFeed across a NATS restart (a private server)', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'keeps what is published while NATS is away (%s) and delivers all of it, in order, after the restart',
    async (signal) => {
      const server = await startNatsServer();
      servers.push(server);
      const stream = uniqueStream(server.url);
      const a = await node('node-a', { servers: server.url, stream });
      // Changes from before B connected: B must not get them, not even when its consumer is recreated.
      for (let i = 0; i < 5; i++) a.feed.publish(marker(`old${i}`));
      await until(() => a.feed.counters.published === 5, 2000, 'the old changes stored');
      const b = await node('node-b', { servers: server.url, stream });

      await server.stop(signal);
      const batch = events('e', 100);
      for (const e of batch) expect(() => a.feed.publish({ kind: 'events-stored', events: [e] })).not.toThrow();
      expect(a.got).toHaveLength(105);
      await new Promise((r) => setTimeout(r, 1000));
      expect(a.feed.counters).toMatchObject({ published: 5, outboxSize: 100, dropped: 0 });

      await server.start();
      await until(() => b.got.length >= 100, 20_000, 'the 100 changes at B after the restart');
      await new Promise((r) => setTimeout(r, 200));
      expect(eventIds(b.got)).toEqual(batch.map((e) => e.id));
      expect(b.got).toHaveLength(100);
      expect(a.feed.counters).toMatchObject({ published: 105, outboxSize: 0, dropped: 0 });
      expect(b.feed.counters.received).toBe(100);
    },
  );

  it('drops the oldest when the outbox is full, and counts them', async () => {
    const server = await startNatsServer();
    servers.push(server);
    const stream = uniqueStream(server.url);
    const a = await node('node-a', { servers: server.url, stream, maxOutboxMessages: 10 });
    const b = await node('node-b', { servers: server.url, stream });
    await server.stop();
    for (let i = 0; i < 25; i++) a.feed.publish(marker(`m${i}`));
    // The first may still be on its way (sent before the client saw the disconnect) until its attempt fails.
    await until(() => a.feed.counters.dropped === 15, 5000, 'the oldest 15 dropped');
    expect(a.feed.counters.outboxSize).toBe(10);
    await server.start();
    await until(() => b.got.length >= 10, 20_000, 'the 10 newest changes at B');
    await new Promise((r) => setTimeout(r, 200));
    expect(b.got.map((c) => (c as { itemId: string }).itemId)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 15}`));
    expect(a.feed.counters).toMatchObject({ published: 10, dropped: 15, outboxSize: 0 });
  });

  it('close() with NATS away gives up after its timeout and says what it did not send', async () => {
    const server = await startNatsServer();
    servers.push(server);
    const stream = uniqueStream(server.url);
    const a = await node('node-a', { servers: server.url, stream, closeTimeoutMs: 300 });
    await server.stop();
    a.feed.publish(marker('never-sent'));
    const started = Date.now();
    await a.feed.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(a.feed.counters.outboxSize).toBe(1);
    expect(a.warnings.some((w) => w.includes('not sent'))).toBe(true);
    // Published after close: local subscribers still get it; it is counted as dropped.
    a.feed.publish(marker('late'));
    expect(a.got.at(-1)).toEqual({ ...marker('late'), origin: 'node-a' });
    expect(a.feed.counters.dropped).toBe(1);
  });
});

describe('the message encoding', () => {
  it('keeps numbers JSON has no words for', () => {
    const change: Change = {
      kind: 'events-stored',
      events: [sampleEvent('n', { value: Number.NEGATIVE_INFINITY, context: { propensity: Number.NaN, position: Infinity } })],
    };
    const [data] = encodeWithin(change, 1 << 20).messages;
    expect(decodeChange(data)).toEqual(change);
  });

  it('splits a batch over messages under the limit, and leaves out (and counts) a record too large for any', () => {
    const batch = events('s', 1000);
    const { messages, leftOut } = encodeWithin({ kind: 'events-stored', events: batch }, 20_000);
    expect(leftOut).toBe(0);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.every((m) => m.byteLength <= 20_000)).toBe(true);
    expect(messages.flatMap((m) => eventIds([decodeChange(m)]))).toEqual(batch.map((e) => e.id));

    const huge = sampleItem('huge', { description: 'x'.repeat(50_000) });
    const split = encodeWithin({ kind: 'items-stored', items: [sampleItem('a'), huge, sampleItem('b')] }, 20_000);
    expect(split.leftOut).toBe(1);
    expect(split.messages.map((m) => decodeChange(m))).toEqual([
      { kind: 'items-stored', items: [sampleItem('a')] },
      { kind: 'items-stored', items: [sampleItem('b')] },
    ]);
  });
});
