#!/usr/bin/env node
// Writes the small dataset fixtures under test/fixtures/ that the importer, evaluation and OPE tests read.
// They are SYNTHETIC: generated here from a fixed seed in the file names and formats of the research datasets
// (described in ../shared/datasets/*/SOURCE.md), never read from or cut out of them, because those datasets
// may not be copied into the project (../shared/datasets/README.md). See test/fixtures/README.md.
//
//   node scripts/make-fixtures.mjs           (re)writes every fixture; the output is byte-for-byte reproducible
//   node scripts/make-fixtures.mjs --check   exits 1 if a committed fixture differs from what this script writes
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'test', 'fixtures');

/** sfc32 seeded through splitmix32: small, fast, and the same stream on every platform. */
function createRng(seed) {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(),
    b = split(),
    c = split(),
    d = split();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  const rng = {
    next,
    int: (n) => Math.floor(next() * n),
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    hex: (n = 32) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join(''),
    /** Index drawn with probability proportional to weights (cumulative array). */
    weighted: (cumulative) => {
      const x = next() * cumulative[cumulative.length - 1];
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] > x) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
    /** n distinct integers in [lo, hi]. */
    distinct: (n, lo, hi) => {
      const seen = new Set();
      while (seen.size < n) seen.add(lo + Math.floor(next() * (hi - lo + 1)));
      return [...seen];
    },
  };
  return rng;
}

/** Cumulative Zipf-like weights 1/(k+1)^s for k = 0..n-1. */
function zipf(n, s) {
  const out = [];
  let total = 0;
  for (let k = 0; k < n; k++) out.push((total += 1 / Math.pow(k + 1, s)));
  return out;
}

function shuffle(rng, xs) {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

const DAY = 86_400;
const utc = (y, m, d) => Date.UTC(y, m - 1, d) / 1000;
/** Python's repr of a float that is a whole number keeps ".0"; JavaScript's String does not. */
const pyFloat = (x) => (Number.isInteger(x) ? `${x}.0` : String(x));

/** Taobao UserBehavior: no header, `user,item,category,behaviour,unix seconds`, users in lexicographic id order. */
function taobao() {
  const rng = createRng(11);
  const users = ['1', '100', '1000', ...rng.distinct(33, 1000001, 1000199).map(String)].sort();
  const categories = rng.distinct(180, 1000, 5162429);
  const items = rng.distinct(1400, 1000, 5163070).map((id) => ({ id, category: rng.pick(categories) }));
  const popular = zipf(items.length, 0.8);
  const from = utc(2017, 11, 24);
  const to = utc(2017, 12, 4) - 1;
  const lines = [];
  for (const user of users) {
    const n = rng.range(8, 70);
    const times = Array.from({ length: n }, () => rng.range(from, to));
    // A few rows before the official window, as in the real head of the file.
    if (rng.next() < 0.1) times[0] = rng.range(utc(2017, 9, 11), from - 1);
    times.sort((x, y) => x - y);
    const seen = [];
    for (const t of times) {
      const u = rng.next();
      const behaviour = u < 0.905 ? 'pv' : u < 0.95 ? 'cart' : u < 0.98 ? 'fav' : 'buy';
      const again = seen.length > 0 && (behaviour !== 'pv' ? rng.next() < 0.85 : rng.next() < 0.25);
      const item = again ? rng.pick(seen) : items[rng.weighted(popular)];
      seen.push(item);
      lines.push(`${user},${item.id},${item.category},${behaviour},${t}`);
    }
  }
  return { 'taobao-userbehavior-sample/UserBehavior.csv': lines.join('\n') + '\n' };
}

/** DIGINETICA item views: `;`-separated with header, NA for anonymous users, no newline after the last row. */
function diginetica() {
  const rng = createRng(12);
  const items = rng.distinct(900, 1, 184047);
  const popular = zipf(items.length, 0.9);
  const users = rng.distinct(140, 1, 232816);
  const from = utc(2016, 1, 3) / DAY;
  const to = utc(2016, 6, 1) / DAY;
  const lines = ['session_id;user_id;item_id;timeframe;eventdate'];
  let session = 0;
  for (let s = 0; s < 330; s++) {
    session += rng.next() < 0.7 ? 1 : rng.range(2, 6);
    // Session 1 is anonymous (its user is the session), like the first session of the real sample.
    const user = rng.next() < 0.55 || session === 1 ? 'NA' : String(rng.pick(users));
    const date = new Date((from + rng.int(to - from + 1)) * DAY * 1000).toISOString().slice(0, 10);
    const n = rng.next() < 0.2 ? 1 : rng.range(2, 9);
    let frame = rng.range(0, 2_000_000);
    for (let k = 0; k < n; k++) {
      lines.push(`${session};${user};${items[rng.weighted(popular)]};${frame};${date}`);
      frame += rng.range(5_000, 900_000);
    }
  }
  return { 'diginetica-sample/sample_train-item-views.csv': lines.join('\n') };
}

/** YOOCHOOSE (session-rec prepared) test clicks: tab-separated with header, float unix seconds. */
function yoochoose() {
  const rng = createRng(13);
  const items = rng.distinct(520, 214500000, 214850000);
  const popular = zipf(items.length, 0.7);
  const from = utc(2014, 4, 7) + 49 * 60;
  const to = utc(2014, 4, 8) + 50 * 60;
  const lines = ['SessionId\tItemId\tTime'];
  let session = 0;
  for (let s = 0; s < 380; s++) {
    session += rng.range(1, 40);
    const n = rng.range(2, 8);
    let t = rng.range(from * 1000, (to - 3600) * 1000);
    for (let k = 0; k < n; k++) {
      lines.push(`${session}\t${items[rng.weighted(popular)]}\t${pyFloat(t / 1000)}`);
      t += rng.range(4_000, 400_000);
    }
  }
  return { 'yoochoose-100k/yoochoose-clicks-100k_test.txt': lines.join('\n') + '\n' };
}

/** ReChorus Amazon Grocery: train.csv (`user_id item_id time`, sorted by time) and item_meta.csv, tab-separated. */
function grocery() {
  const rng = createRng(14);
  const nItems = 240;
  const metaItems = nItems + 6; // a few items only in dev/test: in item_meta.csv but not in train.csv
  const popular = zipf(nItems, 0.6);
  const order = shuffle(
    rng,
    Array.from({ length: nItems }, (_, k) => k + 1),
  );
  const from = utc(2000, 8, 9) / DAY;
  const to = utc(2014, 7, 22) / DAY;
  const rows = [];
  for (let user = 1; user <= 280; user++) {
    const n = rng.range(3, 12);
    const seen = new Set();
    while (seen.size < n) seen.add(order[rng.weighted(popular)]);
    // Reviews skew to the later years: the square root pulls days towards the end of the range.
    for (const item of seen) rows.push([user, item, (to - Math.floor((to - from) * (1 - Math.sqrt(rng.next())))) * DAY]);
  }
  rows.sort((x, y) => x[2] - y[2] || x[0] - y[0] || x[1] - y[1]);
  const train = ['user_id\titem_id\ttime', ...rows.map((r) => r.join('\t'))];
  const list = (n, self) =>
    `[${rng
      .distinct(Math.min(n, metaItems - 1) + 1, 1, metaItems)
      .filter((x) => x !== self)
      .slice(0, n)
      .join(', ')}]`;
  const meta = ['item_id\ti_category\tr_complement\tr_substitute'];
  for (let item = 1; item <= metaItems; item++) {
    // Item 1 has category 0 (unknown, as in the real first row) and relations of both kinds.
    const category = item === 1 || rng.next() < 0.1 ? 0 : rng.range(1, 56);
    const complements = item === 1 ? 6 : rng.next() < 0.08 ? 0 : rng.range(1, 12);
    const substitutes = item === 1 ? 4 : rng.next() < 0.08 ? 0 : rng.range(1, 8);
    meta.push(`${item}\t${category}\t${list(complements, item)}\t${list(substitutes, item)}`);
  }
  return {
    'amazon-grocery-rechorus/train.csv': train.join('\n') + '\n',
    'amazon-grocery-rechorus/item_meta.csv': meta.join('\n') + '\n',
  };
}

/**
 * S3-Rec sequence files: `user item item ...` per line (ids 1-based, items numbered in order of first
 * appearance), and `<name>_item2attributes.json` as written by Python's json.dumps (one line, no newline).
 */
function sequences(name, seed, shape) {
  const rng = createRng(seed);
  const popular = zipf(shape.items, shape.skew);
  const raw = [];
  for (let u = 0; u < shape.users; u++) {
    const n = Math.min(shape.maxLength, shape.minLength + Math.floor(-Math.log(1 - rng.next()) * shape.meanExtra));
    const seq = new Set();
    while (seq.size < n) seq.add(rng.weighted(popular));
    raw.push([...seq]);
  }
  // Iterative k-core on users and items, as the S3-Rec preprocessing does (5-core).
  let kept = raw;
  for (;;) {
    const support = new Map();
    for (const s of kept) for (const i of s) support.set(i, (support.get(i) ?? 0) + 1);
    const next = kept.map((s) => s.filter((i) => support.get(i) >= shape.core)).filter((s) => s.length >= shape.core);
    if (next.length === kept.length && next.every((s, k) => s.length === kept[k].length)) break;
    kept = next;
  }
  const ids = new Map();
  const lines = kept.map((s, u) => [u + 1, ...s.map((i) => (ids.has(i) ? ids.get(i) : (ids.set(i, ids.size + 1), ids.size)))].join(' '));
  const attrIds = new Map();
  const attr = (a) => (attrIds.has(a) ? attrIds.get(a) : (attrIds.set(a, attrIds.size + 1), attrIds.size));
  const entries = shuffle(rng, [...ids.values()]).map((item) => {
    const n = rng.range(shape.attrs[0], shape.attrs[1]);
    const values = Array.from({ length: n }, () => attr(rng.int(shape.attrPool)));
    return `"${item}": [${(shape.repeatAttrs ? values : [...new Set(values)]).join(', ')}]`;
  });
  return {
    [`amazon-s3rec/${name}.txt`]: lines.join('\n') + '\n',
    [`amazon-s3rec/${name}_item2attributes.json`]: `{${entries.join(', ')}}`,
  };
}

/**
 * Open Bandit Dataset, one campaign, both policies: `{random,bts}/<campaign>/<campaign>.csv` (an unnamed pandas
 * index first) and item_context.csv. Clicks follow a position-based model: CTR = base · slot effect · item
 * attraction, raised for items the user clicked before; Random shows items uniformly (propensity 1/items), BTS
 * shows items with per-slot probabilities ∝ attraction^btsExponent (men: 3, it favours the attractive items;
 * women: −2, it favours the unattractive ones and does worse than Random), logged rounded to six decimals.
 */
function openBandit(campaign, { seed, nItems, btsExponent }) {
  const rng = createRng(seed);
  const rows = 540;
  const slot = [0.8, 1.25, 0.95];
  const base = 0.07;
  const attraction = Array.from({ length: nItems }, () => Math.exp(0.45 * rng.normal()));
  const userValues = [3, 5, 9, 8].map((n) => Array.from({ length: n }, () => rng.hex()));
  const itemCategories = [6, 2, 3].map((n) => Array.from({ length: n }, () => rng.hex()));
  const context = [',item_id,item_feature_0,item_feature_1,item_feature_2,item_feature_3'];
  for (let a = 0; a < nItems; a++) {
    const price = Math.round(rng.normal() * 1e15) / 1e15;
    context.push(`${a},${a},${price},${itemCategories.map((c) => rng.pick(c)).join(',')}`);
  }
  const header = [
    '',
    'timestamp',
    'item_id',
    'position',
    'click',
    'propensity_score',
    ...[0, 1, 2, 3].map((k) => `user_feature_${k}`),
    ...Array.from({ length: nItems }, (_, a) => `user-item_affinity_${a}`),
  ].join(',');
  // BTS's per-slot action distribution: sharper than the attractions, with posterior noise, rounded as logged.
  const bts = slot.map(() => {
    const w = attraction.map((x) => Math.exp(btsExponent * Math.log(x) + 0.5 * rng.normal()));
    const total = w.reduce((s, x) => s + x, 0);
    return w.map((x) => Math.max(1e-6, Math.round((x / total) * 1e6) / 1e6));
  });
  const cumulative = bts.map((p) => p.reduce((acc, x) => [...acc, (acc.at(-1) ?? 0) + x], []));
  const files = {};
  for (const policy of ['random', 'bts']) {
    const lines = [header];
    // Clicks by systematic sampling per (slot, item): a cell clicks when its running sum of CTRs passes a
    // whole number, from a random start. Each cell then holds its expected clicks to within one, where
    // Bernoulli draws on a few hundred rows would leave the policies' CTRs ±20% apart by chance.
    const due = slot.map(() => Array.from({ length: nItems }, () => rng.next()));
    const start = Date.UTC(2019, 10, 24, 0, 1) * 1000 + rng.int(60_000_000);
    const span = 7 * DAY * 1e6 - 4 * 60 * 1e6;
    const stamps = Array.from({ length: rows }, () => start + Math.floor(rng.next() * span)).sort((x, y) => x - y);
    for (let r = 0; r < rows; r++) {
      const position = rng.int(3);
      const item = policy === 'random' ? rng.int(nItems) : rng.weighted(cumulative[position]);
      const propensity = policy === 'random' ? 1 / nItems : bts[position][item];
      const affinity = new Array(nItems).fill(0);
      if (rng.next() < 0.06) affinity[rng.int(nItems)] = rng.next() < 0.8 ? 1 : 2;
      const ctr = Math.min(1, base * slot[position] * attraction[item] * (affinity[item] > 0 ? 2 : 1));
      const before = Math.floor(due[position][item]);
      due[position][item] += ctr;
      const click = Math.floor(due[position][item]) > before ? 1 : 0;
      const micros = stamps[r];
      const time = `${new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19).replace('T', ' ')}.${String(micros % 1e6).padStart(6, '0')}+00:00`;
      const user = userValues.map((v) => rng.pick(v));
      lines.push([r, time, item, position + 1, click, propensity, ...user, ...affinity.map(pyFloat)].join(','));
    }
    files[`open-bandit-small/${policy}/${campaign}/${campaign}.csv`] = lines.join('\n') + '\n';
    files[`open-bandit-small/${policy}/${campaign}/item_context.csv`] = context.join('\n') + '\n';
  }
  return files;
}

const FIXTURES = {
  ...taobao(),
  ...diginetica(),
  ...yoochoose(),
  ...grocery(),
  ...sequences('Beauty', 16, {
    users: 420,
    items: 320,
    skew: 0.75,
    minLength: 5,
    meanExtra: 4,
    maxLength: 40,
    core: 5,
    attrs: [1, 6],
    attrPool: 70,
    repeatAttrs: false,
  }),
  ...sequences('LastFM', 17, {
    users: 70,
    items: 420,
    skew: 0.6,
    minLength: 5,
    meanExtra: 30,
    maxLength: 160,
    core: 5,
    attrs: [3, 40],
    attrPool: 90,
    repeatAttrs: true,
  }),
  ...openBandit('men', { seed: 5, nItems: 34, btsExponent: 3 }),
  ...openBandit('women', { seed: 6, nItems: 46, btsExponent: -2 }),
};

const check = process.argv.includes('--check');
let differ = 0;
for (const [path, text] of Object.entries(FIXTURES)) {
  const file = join(OUT, path);
  if (check) {
    let current = null;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // missing: reported below
    }
    if (current !== text) {
      differ++;
      console.log(`differs: ${relative(ROOT, file)}`);
    }
    continue;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(
    `${relative(ROOT, file)}  ${text.split('\n').length - (text.endsWith('\n') ? 1 : 0)} lines, ${Buffer.byteLength(text)} bytes`,
  );
}
if (check) {
  console.log(differ ? `${differ} fixture(s) differ from scripts/make-fixtures.mjs` : 'fixtures match scripts/make-fixtures.mjs');
  process.exit(differ ? 1 : 0);
}
