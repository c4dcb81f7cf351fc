// Purchase intent: P(purchase later in this session) and P(purchase within the next N events), a logistic
// regression on session-prefix features. Leak-free time split (train labels settle before the cutoff).
// 1) the synthetic shop (src/eval/simulator), where the logged purchases are the known truth;
// 2) the Taobao UserBehavior head (43 users) as a real-data smoke test, sessionised by a 30-minute gap.
// Run: node --import tsx bench/intent.ts [users]   → bench/results/intent.json
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import type { Event, EventType, Item } from '../src/core/index.js';
import { createShop } from '../src/eval/simulator/index.js';
import { evaluateIntent, type IntentEvaluation } from '../src/interest/index.js';
import { datasetPath } from './datasets.js';

const USERS = Number(process.argv[2] ?? 3000);
const TAOBAO = datasetPath('taobao-userbehavior-sample', 'UserBehavior.csv');
const BEHAVIOURS: Record<string, EventType> = { pv: 'view', fav: 'favorite', cart: 'cart', buy: 'purchase' };
// The official window; a few rows of the head predate it (see SOURCE.md).
const TAOBAO_FROM = Date.UTC(2017, 10, 25);
const TAOBAO_TO = Date.UTC(2017, 11, 4);

function summary(r: IntentEvaluation) {
  const { model, ...rest } = r;
  return { ...rest, weights: Object.fromEntries(model.features.map((f, j) => [f, Math.round(model.inSession.weights[j] * 1000) / 1000])) };
}

function synthetic() {
  const started = performance.now();
  const shop = createShop({ seed: 42, users: USERS, days: 30 });
  const events = [...shop.events()];
  const items = new Map(shop.items.map((i) => [i.id, i]));
  const r = evaluateIntent(events, items, { trainFraction: 0.7, nextEvents: 5 });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `synthetic: ${events.length} events; in-session AUC ${r.inSession.auc} Brier ${r.inSession.brier} (base ${r.inSession.brierBaseRate}) ECE ${r.inSession.ece}; next-5 AUC ${r.withinNextEvents.auc} (${seconds.toFixed(1)} s)`,
  );
  return {
    shop: { seed: 42, users: USERS, days: 30, events: events.length, items: items.size },
    seconds: Math.round(seconds * 10) / 10,
    ...summary(r),
  };
}

function taobao() {
  const events: Event[] = [];
  const items = new Map<string, Item>();
  readFileSync(TAOBAO, 'utf8')
    .trim()
    .split('\n')
    .forEach((line, n) => {
      const [user, item, category, behaviour, seconds] = line.split(',');
      const timestamp = Number(seconds) * 1000;
      if (timestamp < TAOBAO_FROM || timestamp >= TAOBAO_TO) return;
      events.push({
        id: `tb${n}`,
        userId: user,
        itemId: item,
        type: BEHAVIOURS[behaviour],
        value: null,
        timestamp,
        sessionId: null,
        context: {},
      });
      items.set(item, {
        id: item,
        title: '',
        description: '',
        categoryPath: [category],
        tags: [],
        brand: null,
        price: null,
        attributes: {},
        available: true,
        createdAt: 0,
      });
    });
  const r = evaluateIntent(events, items, { trainFraction: 0.7, nextEvents: 5, sessionGapMinutes: 30 });
  console.log(
    `taobao: ${events.length} events; in-session AUC ${r.inSession.auc} Brier ${r.inSession.brier} (base ${r.inSession.brierBaseRate}), ${r.inSession.positives} positives in test`,
  );
  return { events: events.length, users: new Set(events.map((e) => e.userId)).size, ...summary(r) };
}

const result = {
  method:
    "L2 logistic regression (Newton/IRLS) on standardised session-prefix features; one example after each action up to the session's first purchase",
  split: 'time: train examples whose labels settle before the cutoff (70% quantile of example times), test examples at or after it',
  synthetic: synthetic(),
  taobao: { note: 'smoke test only: 43 users, 77 purchases in the whole file', ...taobao() },
  node: process.version,
  measuredAt: new Date().toISOString(),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/intent.json', JSON.stringify(result, null, 2) + '\n');
