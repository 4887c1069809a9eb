#!/usr/bin/env node
/**
 * Micro benchmark of the translation engine on a 20 KB body, against the floor any body rewrite
 * pays: one JSON.parse + JSON.stringify of that body (DESIGN.md, "Performance anchors").
 *
 * A synthetic head spec (an OrderList page of Orders) and ten older versions, each introducing one
 * change on Order, a realistic mix: six field renames, one enum value rename, one conversion
 * (amount: integer minor units now, a "12.50" string before), one added field (dropped for older
 * clients), one removed field (given back with its default). The model and the response chain are
 * built as the gateway builds them (buildModel, Translator.plan), from the compiled engine in
 * dist/. Each pair below is timed in a process of its own (pinned to --core), alternating its two
 * variants in short batches over many rounds; ratios are per round, then the median:
 *
 *   (a) JSON.parse + JSON.stringify of the body                     the floor
 *   (b) JSON.parse + chain.run (10 changes, fused) + JSON.stringify target: (b)/(a) <= 1.3
 *   (c) the same ten steps as ten one-step chains run in sequence   what fusion buys (b vs c)
 *   (d) the demo's real chain (fixtures/translated.yaml, 2025-06-01 → 2024-01-01) on the e2e
 *       benchmark's 20 KB list (servers/payloads.mjs), with its own (a)
 *
 * Writes results/micro-translate.md (and prints it).
 *
 *   npm run build && cd bench && node micro/translate.mjs [--rounds 201] [--ms 10] [--core 1] [--out results/micro-translate]
 */

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { LIST } from '../servers/payloads.mjs';
import { orderProblem } from '../cells.mjs';
import { gitRevision } from '../lib/setup.mjs';
import { PINNING, pinnedCommand } from '../lib/processes.mjs';
import { execFileSync } from 'node:child_process';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '201' },
    ms: { type: 'string', default: '10' },
    core: { type: 'string', default: '1' },
    out: { type: 'string', default: 'results/micro-translate' },
  },
});
const ROUNDS = Number(opts.rounds);
const BATCH_MS = Number(opts.ms);
const CORE = Number(opts.core);

const dist = (p) => new URL(`../../dist/gateway/${p}`, import.meta.url).href;
const { change, schema } = await import(dist('index.js'));
const { buildModel } = await import(dist('translate/model.js'));
const { Translator } = await import(dist('translate/translator.js'));
const { buildResponseChain } = await import(dist('translate/chain.js'));
const { loadTranslator } = await import(dist('translate/translator.js'));
const { loadConfigFile } = await import(dist('config/load.js'));

// ---------------------------------------------------------------------------------------------
// The synthetic API: head Order, and ten versions each with one change on it.

const ref = (name) => ({ $ref: `#/components/schemas/${name}` });
const json = (s) => ({ content: { 'application/json': { schema: s } } });

const HEAD = '2025-10-01';
/** Newest first: [version, change] — the change that version introduced. The oldest has none. */
const CHANGES = [
  [HEAD, 'order-customer-id', 'rename', schema('Order').field('customer_id').renamedFrom('customer')],
  ['2025-09-01', 'order-status-canceled', 'enum value rename', schema('Order').field('status').enumValueRenamed({ from: 'cancelled', to: 'canceled' })],
  ['2025-08-01', 'order-created-at', 'rename', schema('Order').field('created_at').renamedFrom('created')],
  ['2025-07-01', 'order-amount-minor-units', 'converted', schema('Order').field('amount').converted({
    schema: { type: 'string', pattern: '^\\d+\\.\\d{2}$' },
    up: (v) => Math.round(Number(v) * 100),
    down: (v) => (Number(v) / 100).toFixed(2),
  })],
  ['2025-06-01', 'order-updated-at', 'rename', schema('Order').field('updated_at').renamedFrom('updated')],
  ['2025-05-01', 'order-currency', 'added', schema('Order').field('currency').added()],
  ['2025-04-01', 'order-description', 'rename', schema('Order').field('description').renamedFrom('memo')],
  ['2025-03-01', 'order-livemode', 'removed (default)', schema('Order').field('livemode').removed({ schema: { type: 'boolean' }, default: false })],
  ['2025-02-01', 'order-reference', 'rename', schema('Order').field('reference').renamedFrom('external_ref')],
  ['2025-01-01', 'order-channel', 'rename', schema('Order').field('channel').renamedFrom('source')],
];
const OLDEST = '2024-12-01';
const VERSIONS_NEWEST_FIRST = [...CHANGES.map(([v]) => v), OLDEST];

const orderSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'customer_id', 'amount', 'currency', 'status', 'created_at'],
  properties: {
    id: { type: 'string' },
    customer_id: { type: 'string' },
    amount: { type: 'integer', minimum: 1 },
    currency: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'paid', 'shipped', 'canceled'] },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    description: { type: 'string' },
    reference: { type: 'string' },
    channel: { type: 'string' },
    email: { type: 'string' },
  },
};
const spec = {
  openapi: '3.1.0',
  info: { title: 'micro', version: HEAD },
  paths: {
    '/orders': { get: { responses: { 200: { description: 'A page of orders', ...json(ref('OrderList')) } } } },
    '/orders/{id}': { get: { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'An order', ...json(ref('Order')) } } } },
  },
  components: {
    schemas: {
      Order: orderSchema,
      OrderList: { type: 'object', required: ['data', 'has_more'], properties: { data: { type: 'array', items: ref('Order') }, has_more: { type: 'boolean' } } },
    },
  },
};

/** A hand-built LoadedBundle, as loadBundle would return for versions/ (newest first). */
const bundle = {
  dir: '/virtual/versions',
  indexFile: '/virtual/versions/index.ts',
  versions: VERSIONS_NEWEST_FIRST.map((id) => {
    const entry = CHANGES.find(([v]) => v === id);
    if (!entry) return { id, changes: [] };
    const [, name, , instruction] = entry;
    const c = change({ description: `${name}.`, instructions: [instruction] });
    return { id, changes: [{ id: `${id}/${name}`, file: `/virtual/versions/${id}/${name}.ts`, version: id, change: c }] };
  }),
};

const model = buildModel(spec, bundle, [...VERSIONS_NEWEST_FIRST].reverse(), '/virtual/spec.yaml');
const translator = new Translator(model, [HEAD]);
const plan = translator.plan('GET', '/orders', OLDEST, HEAD);
const fused = plan.response;
if (!fused || fused.changeIds.length !== 10) throw new Error(`expected a 10-change response chain, got ${fused?.changeIds.join(', ')}`);
/** Without fusion: one chain per step (each walks the body and rebuilds every order), in sequence. */
const perStep = [];
for (let i = 0; i < VERSIONS_NEWEST_FIRST.length - 1; i++) {
  perStep.push(buildResponseChain(model, 'GET /orders', VERSIONS_NEWEST_FIRST[i], VERSIONS_NEWEST_FIRST[i + 1]));
}

// ---------------------------------------------------------------------------------------------
// The body: a head OrderList of ~20 KB.

const STATUSES = ['paid', 'shipped', 'pending', 'canceled', 'paid', 'shipped'];
function headOrder(i) {
  const base = LIST.data[(i - 1) % LIST.data.length]; // the e2e benchmark's orders, plus four fields
  return {
    id: base.id,
    customer_id: base.customer_id,
    amount: base.amount,
    currency: base.currency,
    status: STATUSES[i % STATUSES.length],
    created_at: base.created_at,
    updated_at: new Date(Date.parse(base.created_at) + 5_400_000).toISOString().replace('.000Z', 'Z'),
    description: `Order ${i}: 2 items`,
    reference: `PO-${100_000 + i * 37}`,
    channel: i % 3 === 0 ? 'api' : 'web',
    email: `buyer${i}@example.com`,
  };
}
const page = { data: [], has_more: true };
while (JSON.stringify(page).length < 20_000) page.data.push(headOrder(page.data.length + 1));
const TEXT = JSON.stringify(page);

function translateFused(text) {
  const parts = { status: 200, headers: {}, body: JSON.parse(text) };
  fused.run(parts);
  return JSON.stringify(parts.body);
}
function translatePerStep(text) {
  const parts = { status: 200, headers: {}, body: JSON.parse(text) };
  for (const chain of perStep) chain.run(parts);
  return JSON.stringify(parts.body);
}
const floor = (text) => JSON.stringify(JSON.parse(text));

const expectedOld = (o) => ({
  id: o.id, customer: o.customer_id, amount: (o.amount / 100).toFixed(2), status: o.status === 'canceled' ? 'cancelled' : o.status,
  created: o.created_at, updated: o.updated_at, memo: o.description, external_ref: o.reference, source: o.channel, email: o.email, livemode: false,
});

// ---------------------------------------------------------------------------------------------
// The demo's real chain, as the e2e benchmark's translated list cell runs it.

const config = loadConfigFile(fileURLToPath(new URL('../fixtures/translated.yaml', import.meta.url)), {
  // Nothing is listened on or stored here: the fixture's placeholders only have to be filled.
  env: { ...process.env, BENCH_PORT: '1', BENCH_ADMIN_PORT: '2', BENCH_ORIGIN_URL: 'http://127.0.0.1:3', BENCH_SQLITE: ':memory:' },
});
const demo = await loadTranslator(config);
const demoPlan = demo.plan('GET', '/orders', '2024-01-01', '2025-06-01');
const DEMO_TEXT = JSON.stringify(LIST);
function translateDemo(text) {
  const parts = { status: 200, headers: {}, body: JSON.parse(text) };
  demoPlan.response.run(parts);
  return JSON.stringify(parts.body);
}

/**
 * Each group is timed in a process of its own, so one group's objects do not shape the type
 * feedback of the engine code another group runs (walkPlan and the fused closures are shared).
 * Each checks its output before it is timed.
 */
/** Whether a translated page holds every order in the oldest version's shape (field order aside). */
function checkOldest(text, what) {
  const out = JSON.parse(text);
  const keys = (x) => JSON.stringify(Object.keys(x).sort());
  page.data.forEach((o, i) => {
    const want = expectedOld(o);
    const got = out.data[i];
    if (keys(got) !== keys(want) || Object.keys(want).some((k) => got[k] !== want[k])) {
      throw new Error(`${what}: order ${i} translated wrong:\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
    }
  });
}

/**
 * Each group is timed in a process of its own, so one group's objects do not shape the type
 * feedback of the engine code another group runs (walkPlan and the fused closures are shared).
 * Each checks its output before it is timed.
 */
const GROUPS = {
  engine: {
    variants: [['floor', '(a) JSON.parse + JSON.stringify', () => floor(TEXT)], ['fused', '(b) parse + 10-change chain (fused) + stringify', () => translateFused(TEXT)]],
    check: () => checkOldest(translateFused(TEXT), 'fused chain'),
  },
  perStep: {
    variants: [['floorC', '(a) again, in the process of (c)', () => floor(TEXT)], ['perStep', '(c) parse + the 10 steps as 10 one-step chains in sequence + stringify', () => translatePerStep(TEXT)]],
    check: () => checkOldest(translatePerStep(TEXT), 'one-step chains'),
  },
  demo: {
    variants: [['demoFloor', '(a′) JSON.parse + JSON.stringify, e2e list', () => floor(DEMO_TEXT)], ['demo', '(d) parse + demo chain 2025-06-01 → 2024-01-01 + stringify, e2e list', () => translateDemo(DEMO_TEXT)]],
    check() {
      const list = JSON.parse(translateDemo(DEMO_TEXT));
      if (!Array.isArray(list)) throw new Error('demo chain: not a bare array');
      const wrong = list.map((o, i) => orderProblem(o, LIST.data[i])).find(Boolean);
      if (wrong) throw new Error(`demo chain: ${wrong}`);
    },
  },
};

function iterationsFor(fn) {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 200) { fn(); n++; }
  return Math.max(5, Math.round((n * BATCH_MS) / 200));
}
function time(fn, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - start) / n / 1000; // µs per op
}
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };

/** Child: time one group, alternating its two variants in short batches; samples to stdout. */
if (process.env.BENCH_MICRO_GROUP) {
  const group = GROUPS[process.env.BENCH_MICRO_GROUP];
  group.check();
  const variants = group.variants.map(([name, , fn]) => ({ name, fn, samples: [] }));
  for (const v of variants) v.n = iterationsFor(v.fn); // also the warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of round % 2 === 0 ? variants : [...variants].reverse()) v.samples.push(time(v.fn, v.n));
  }
  process.stdout.write(JSON.stringify(Object.fromEntries(variants.map((v) => [v.name, v.samples]))));
  process.exit(0);
}

const script = fileURLToPath(import.meta.url);
const samples = {};
for (const name of Object.keys(GROUPS)) {
  process.stderr.write(`timing ${name} (${ROUNDS} rounds)…\n`);
  const [file, args] = pinnedCommand(CORE, process.execPath, [script, ...process.argv.slice(2)]);
  Object.assign(samples, JSON.parse(execFileSync(file, args, { env: { ...process.env, BENCH_MICRO_GROUP: name }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })));
}

// ---------------------------------------------------------------------------------------------
// Report. Ratios are per round (the two variants timed milliseconds apart), then the median.

const labels = Object.fromEntries(Object.values(GROUPS).flatMap((g) => g.variants.map(([name, label]) => [name, label])));
const stat = (name) => ({ us: median(samples[name]), lo: Math.min(...samples[name]), hi: Math.max(...samples[name]) });
const ratio = (name, base) => median(samples[name].map((x, i) => x / samples[base][i]));
const fmt = (x, d = 1) => x.toFixed(d);
const row = (name, base) => {
  const { us, lo, hi } = stat(name);
  return `| ${labels[name]} | ${fmt(us)} | ${fmt(lo)}–${fmt(hi)} | ${base ? fmt(ratio(name, base), 3) : '1'} |`;
};
const quartiles = (xs, base) => {
  const r = xs.map((x, i) => x / base[i]).sort((p, q) => p - q);
  return `${fmt(r[Math.floor(r.length / 4)], 2)}–${fmt(r[Math.floor((3 * r.length) / 4)], 2)}`;
};
const fusedRatio = ratio('fused', 'floor');
const perStepRatio = ratio('perStep', 'floorC');
const TARGET = 1.3;
const mixes = CHANGES.map(([v, name, kind]) => `${v} ${name} (${kind})`);
const md = [
  `Translation engine micro benchmark, ${new Date().toISOString()}`,
  '',
  `${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}); Node ${process.versions.node}; engine from dist/ (revision ${gitRevision()}); each group in its own process${PINNING ? ` pinned to core ${CORE}` : ''}, ${ROUNDS} rounds alternating its two variants in batches of ~${BATCH_MS} ms; medians.`,
  '',
  `Body: a head OrderList of ${page.data.length} orders, ${TEXT.length.toLocaleString('en-US')} B (11 fields per order). Chain: GET /orders, ${HEAD} (upstream) → ${OLDEST} (client), ten versions with one change on Order each: ${mixes.join('; ')}. It is one segment: the ten steps are fused into one walk of the page with one rebuild per order.`,
  '',
  '| variant | µs per body (median) | min–max over rounds | × (a), per-round median |',
  '|---|---:|---:|---:|',
  row('floor'),
  row('fused', 'floor'),
  row('floorC'),
  row('perStep', 'floorC'),
  '',
  `Demo chain on the e2e benchmark's list (servers/payloads.mjs: ${LIST.data.length} orders of 6 fields, ${DEMO_TEXT.length.toLocaleString('en-US')} B). The translator lists ${demoPlan.response.changeIds.join(', ')}; of these, order-customer-id, order-status-canceled, order-amount-minor-units and order-list-envelope rewrite a 200 without expand=customer:`,
  '',
  '| variant | µs per body (median) | min–max over rounds | × (a′), per-round median |',
  '|---|---:|---:|---:|',
  row('demoFloor'),
  row('demo', 'demoFloor'),
  '',
  '| target | value | goal | verdict |',
  '|---|---:|---:|---|',
  `| 20 KB body through a 10-change chain ÷ one JSON.parse + JSON.stringify of it | ${fmt(fusedRatio, 3)} | <= ${TARGET} | ${fusedRatio <= TARGET ? 'PASS' : 'FAIL'} |`,
  '',
  `The chain itself costs (ratio − 1) × (a): ~${fmt((fusedRatio - 1) * stat('floor').us)} µs per 20 KB body fused, ~${fmt((perStepRatio - 1) * stat('floor').us)} µs as ten one-step chains (each walks the page and rebuilds every order): fusion makes the chain ~${fmt((perStepRatio - 1) / (fusedRatio - 1))}× cheaper. On the demo's list the chain costs ~${fmt((ratio('demo', 'demoFloor') - 1) * stat('demoFloor').us)} µs (× (a′) − 1): twice as many (smaller) orders, each walked, visited and rebuilt, and a toFixed per amount.`,
  '',
  `Spread of the per-round ratios (25th–75th percentile): (b)/(a) ${quartiles(samples.fused, samples.floor)}; (c)/(a) ${quartiles(samples.perStep, samples.floorC)}; (d)/(a′) ${quartiles(samples.demo, samples.demoFloor)}.`,
  '',
  `Command: \`cd bench && node micro/translate.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}\``,
  '',
].join('\n');

const base = fileURLToPath(new URL(`../${opts.out}`, import.meta.url));
writeFileSync(`${base}.md`, md);
process.stdout.write(`${md}\nwrote ${opts.out}.md\n`);
