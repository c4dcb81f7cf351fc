/**
 * Crash bench: `kill -9` of the real server (bin/curio.js serve; the pid started is the server) during
 * sustained ingest, ten rounds on one SQLite file that persists across them (restart after each kill).
 * Per round: acknowledged events and whether they are all in the store, batches in flight at the kill
 * (a round with none proves nothing and is run again with another kill time), partial batches (a batch is
 * one transaction: whole or absent), that the killed pid is gone, and the time to restart. After each
 * restart every batch acknowledged in any earlier round is checked again.
 * Run: node --import tsx bench/crash.ts [--rounds 10] [--workers 4] [--seed 1] [--out bench/results/crash.json]
 * Exits non-zero on any lost acknowledged event, partial batch, surviving pid or failed round.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../src/core/index.js';
import {
  alive,
  distStatus,
  BATCH_EVENTS,
  checkBatches,
  childrenOf,
  eventBatch,
  ingestUntilKill,
  killStarted,
  killStartedOnExit,
  startedStillAlive,
  startServer,
  stopServer,
  storedEventIds,
  type Server,
} from '../test/support/crash-harness.js';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const ROUNDS = Number(argValue('rounds') ?? 10);
const WORKERS = Number(argValue('workers') ?? 4);
const SEED = Number(argValue('seed') ?? 1);
/** The kill comes after a random number of acknowledged batches in this range (seeded), with requests in flight. */
const KILL_AFTER = { min: 5, max: 60 };
/** A round that has not reached its kill point by then is killed anyway. */
const ROUND_DEADLINE_MS = 30_000;
/** Rounds without a batch in flight at the kill are run again, up to this many attempts in all. */
const MAX_ATTEMPTS = ROUNDS * 3;

interface Round {
  round: number;
  attempt: number;
  killedPid: number;
  /** How the killed process exited (signal SIGKILL expected) and whether its pid is gone afterwards. */
  exit: { code: number | null; signal: string | null };
  pidGone: boolean;
  killAfterAckedBatches: number;
  msIntoRoundAtKill: number;
  /** Requests sent and unanswered at the moment of the kill. */
  outstandingAtKill: number;
  sentBatches: number;
  acknowledgedBatches: number;
  acknowledgedEvents: number;
  acknowledgedEventsPresent: number;
  lostAcknowledged: number;
  /** Sent, never acknowledged: what the kill interrupted. */
  inFlightBatches: number;
  inFlightWhole: number;
  inFlightAbsent: number;
  partialBatches: number;
  /** Spawn to listening (store opened and recovered, model fitted), and kill to listening. */
  restartMs: number;
  killToReadyMs: number;
  /** After the restart: events in the store, and events of this and every earlier round's acknowledged batches missing. */
  storedEvents: number;
  lostAcknowledgedAllRounds: number;
  /** Stored events that no sent batch accounts for (must be 0). */
  unexplainedStoredEvents: number;
}

const fmt = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<number> {
  killStartedOnExit();
  const build = distStatus();
  if (build.stale) {
    console.warn(
      `warning: bin/curio.js runs dist/ (built ${build.builtAt ?? 'never'}), older than ${build.newestSource} (${build.newestSourceAt}): run \`npm run build\` first (npm run bench:crash does)`,
    );
  }
  const rng = createRng(SEED);
  const dir = mkdtempSync(join(tmpdir(), 'curio-crash-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // also on Ctrl-C, after the servers are killed
  const file = join(dir, 'curio.db');
  const rounds: Round[] = [];
  const discarded: Round[] = [];
  /** Every attempt's acknowledged batches, checked again after each later restart. */
  const history: Array<{ batch: (n: number) => unknown[]; acked: Set<number>; sent: number[] }> = [];
  let server: Server | null = null;
  let finalExit: { code: number | null; signal: string | null } | null = null;
  let leftover: string[] = [];
  const started = performance.now();
  try {
    server = await startServer(file, { timeoutMs: 120_000 });
    const firstStartMs = Math.round(server.startMs);
    console.log(
      `server pid ${server.pid} listening at ${server.url} after ${(firstStartMs / 1000).toFixed(1)} s; ${ROUNDS} rounds, ${WORKERS} connections, ${BATCH_EVENTS} events per batch`,
    );
    for (let attempt = 1; rounds.length < ROUNDS && attempt <= MAX_ATTEMPTS; attempt++) {
      const prefix = `a${attempt}-b`;
      const batch = (n: number) => eventBatch(n, prefix);
      const killAfter = KILL_AFTER.min + rng.int(KILL_AFTER.max - KILL_AFTER.min + 1);
      const victim: Server = server;
      const outcome = await ingestUntilKill(victim, {
        workers: WORKERS,
        batch,
        pollMs: 1,
        killWhen: ({ acked, outstanding, elapsedMs }) => (acked >= killAfter && outstanding > 0) || elapsedMs >= ROUND_DEADLINE_MS,
      });
      const killedAt = performance.now();
      const exit = await victim.exited;
      const pidGone = !alive(victim.pid) && !existsSync(`/proc/${victim.pid}`);
      server = await startServer(file, { timeoutMs: 120_000 });
      const killToReadyMs = performance.now() - killedAt;
      const stored = await storedEventIds(file);
      const check = checkBatches(stored, outcome, batch);
      history.push({ batch, acked: outcome.acked, sent: outcome.sent });
      let lostSoFar = 0;
      let explained = 0;
      for (const [k, h] of history.entries()) {
        const c = k === history.length - 1 ? check : checkBatches(stored, h, h.batch);
        lostSoFar += c.lostAcknowledged;
        explained += (h.acked.size + c.inFlightWhole.length) * BATCH_EVENTS - c.lostAcknowledged;
        for (const n of c.partial) explained += h.batch(n).filter((e) => stored.has((e as { id: string }).id)).length;
      }
      const ackedEvents = outcome.acked.size * BATCH_EVENTS;
      const row: Round = {
        round: rounds.length + 1,
        attempt,
        killedPid: victim.pid,
        exit,
        pidGone,
        killAfterAckedBatches: killAfter,
        msIntoRoundAtKill: outcome.atKill.elapsedMs,
        outstandingAtKill: outcome.atKill.outstanding,
        sentBatches: outcome.sent.length,
        acknowledgedBatches: outcome.acked.size,
        acknowledgedEvents: ackedEvents,
        acknowledgedEventsPresent: ackedEvents - check.lostAcknowledged,
        lostAcknowledged: check.lostAcknowledged,
        inFlightBatches: check.inFlight.length,
        inFlightWhole: check.inFlightWhole.length,
        inFlightAbsent: check.inFlight.length - check.inFlightWhole.length - check.partial.length,
        partialBatches: check.partial.length,
        restartMs: Math.round(server.startMs),
        killToReadyMs: Math.round(killToReadyMs),
        storedEvents: stored.size,
        lostAcknowledgedAllRounds: lostSoFar,
        unexplainedStoredEvents: stored.size - explained,
      };
      const line =
        `acked ${row.acknowledgedBatches} batches (${fmt(ackedEvents)} events), present ${fmt(row.acknowledgedEventsPresent)}, lost ${row.lostAcknowledged}; ` +
        `in flight at kill ${row.inFlightBatches} (${row.inFlightWhole} stored whole, ${row.inFlightAbsent} absent, ${row.partialBatches} partial); ` +
        `pid ${row.killedPid} ${row.exit.signal ?? `exit ${row.exit.code}`}, ${row.pidGone ? 'gone' : 'STILL THERE'}; ` +
        `restart ${(row.restartMs / 1000).toFixed(2)} s (kill to ready ${(row.killToReadyMs / 1000).toFixed(2)} s); store ${fmt(row.storedEvents)} events, all rounds' acked lost ${row.lostAcknowledgedAllRounds}`;
      if (row.inFlightBatches === 0) {
        discarded.push(row);
        console.log(`attempt ${attempt}: no batch in flight at the kill, which proves nothing; again with another kill time (${line})`);
        continue;
      }
      rounds.push(row);
      console.log(`round ${String(row.round).padStart(2)}: ${line}`);
    }
    finalExit = await stopServer(server);
    console.log(
      `final server pid ${server.pid}: SIGTERM → ${finalExit.signal ?? `exit ${finalExit.code}`}${finalExit.code === 0 ? ' (graceful)' : ''}`,
    );
    // Every server this bench started is gone, and no other child is left (tsx's esbuild service, which
    // compiles this process's TypeScript and ends with it, is not ours to stop).
    leftover = [
      ...startedStillAlive().map((pid) => `${pid} (a server started here)`),
      ...childrenOf(process.pid)
        .filter((c) => !/esbuild.* --service/.test(c.command))
        .map((c) => `${c.pid} (${c.command})`),
    ];

    const all = [...rounds, ...discarded];
    const sum = (f: (r: Round) => number, rs: Round[] = rounds) => rs.reduce((s, r) => s + f(r), 0);
    const restarts = rounds.map((r) => r.restartMs).sort((a, b) => a - b);
    const total = {
      rounds: rounds.length,
      attempts: all.length,
      acknowledgedEvents: sum((r) => r.acknowledgedEvents, all),
      acknowledgedEventsPresent: sum((r) => r.acknowledgedEventsPresent, all),
      /** The worst re-check: acknowledged events (of any round so far) missing after some restart. */
      lostAcknowledged: Math.max(0, ...all.map((r) => r.lostAcknowledgedAllRounds)),
      inFlightBatches: sum((r) => r.inFlightBatches),
      inFlightWhole: sum((r) => r.inFlightWhole),
      partialBatches: sum((r) => r.partialBatches, all),
      killedPidsGone: all.every((r) => r.pidGone && r.exit.signal === 'SIGKILL'),
      restartMsMedian: restarts[(restarts.length - 1) >> 1] ?? null,
      restartMsMax: restarts.at(-1) ?? null,
      storedEventsAtEnd: all.at(-1)?.storedEvents ?? 0,
      unexplainedStoredEvents: all.at(-1)?.unexplainedStoredEvents ?? 0,
      finalShutdown: finalExit,
      leftoverProcesses: leftover,
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
    const failures: string[] = [];
    if (total.lostAcknowledged > 0) failures.push(`${total.lostAcknowledged} acknowledged events lost`);
    if (total.partialBatches > 0) failures.push(`${total.partialBatches} partial batches`);
    if (!total.killedPidsGone) failures.push('a killed pid did not die of SIGKILL or is still there');
    if (rounds.length < ROUNDS) failures.push(`only ${rounds.length} of ${ROUNDS} rounds had batches in flight at the kill`);
    if (rounds.some((r) => r.inFlightBatches === 0)) failures.push('a round without batches in flight');
    if (total.unexplainedStoredEvents !== 0) failures.push(`${total.unexplainedStoredEvents} stored events no batch accounts for`);
    if (finalExit.code !== 0) failures.push('the last server did not shut down gracefully');
    if (leftover.length > 0) failures.push(`child processes left: ${leftover.join(', ')}`);
    const out = {
      bench: 'crash',
      date: new Date().toISOString(),
      setup: {
        executable: 'bin/curio.js serve (its pid is the server); SIGKILL via process.kill',
        store: 'one SQLite file across all rounds (restart after each kill)',
        rounds: ROUNDS,
        workers: WORKERS,
        batchEvents: BATCH_EVENTS,
        seed: SEED,
        kill: `after a seeded random ${KILL_AFTER.min}–${KILL_AFTER.max} acknowledged batches of the round, with requests unanswered (polled every 1 ms)`,
        firstStartMs,
        build,
        node: process.version,
        cpus: cpus().length,
        loadAverage1m: Number(loadavg()[0].toFixed(2)),
      },
      rounds,
      discardedAttempts: discarded,
      total,
      ok: failures.length === 0,
      failures,
    };
    const outFile = argValue('out') ?? 'bench/results/crash.json';
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(out, null, 2)}\n`);
    console.log(
      `total: ${total.rounds} rounds (${total.attempts} attempts), acknowledged ${fmt(total.acknowledgedEvents)} events, present ${fmt(total.acknowledgedEventsPresent)}, lost ${total.lostAcknowledged}; ` +
        `in flight ${total.inFlightBatches} batches (${total.inFlightWhole} stored whole), partial ${total.partialBatches}; restart median ${((total.restartMsMedian ?? 0) / 1000).toFixed(2)} s, max ${((total.restartMsMax ?? 0) / 1000).toFixed(2)} s; ` +
        `leftover processes ${leftover.length}; ${total.seconds} s`,
    );
    console.log(`wrote ${outFile}`);
    if (failures.length > 0) console.error(`FAILED: ${failures.join('; ')}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await killStarted();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
