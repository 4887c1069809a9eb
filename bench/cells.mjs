/**
 * What the end-to-end benchmark measures: a list of cells, each a server in front of the same
 * origin, and the targets checked against them. To add a cell, append an entry:
 *
 *   {
 *     name: 'verso-translated',                      // key in results/latest.json
 *     label: 'Verso translated, 3-change chain',     // row label in the table
 *     path: '/orders/ord_1',                         // optional, default PATH (origin routes: servers/origin.mjs)
 *     headers: { 'API-Version': '2023-06-01' },      // optional, default HEADERS (2024-01-01)
 *     clients: null,                                 // optional, default CLIENTS (X-Client-Id cycling over 100 ids); null: none
 *     start: (ctx) => versoServer(ctx, 'fixtures/translated.yaml'),
 *     check: (res) => (res.headers.deprecation ? undefined : 'no Deprecation header'),  // optional
 *   }
 *
 * `start(ctx)` resolves to { url, proc } where proc (from lib/processes.mjs `launch`) is the
 * process whose CPU and memory are measured; null for none. `skip(ctx)` may return a reason.
 * `cpuBound: false` says the server is not expected to saturate its core (so a round in which it
 * does not is no sign of noise). `recording: true | false` says whether a Verso cell records usage:
 * after the run the harness counts the rows in its SQLite file (`sqlite` from versoServer) and
 * reports a cell whose store does not match.
 * ctx: { origin: { url, port }, cores, tmp, nginx, verso, nodeArgs (extra Node flags for the
 * server under test, e.g. --cpu-prof from profile.mjs) }.
 */

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { freePort, launch } from './lib/processes.mjs';
import { startNginx } from './servers/nginx.mjs';
import { BODIES, LIST, ORDER } from './servers/payloads.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The request every cell sends unless it says otherwise: one head-shaped order (servers/payloads.mjs,
 * 169 B), in the deprecated 2024-01-01, so translated cells run the 2025-06-01 → 2024-01-01 chain.
 */
export const PATH = '/orders/ord_1';
export const HEADERS = { 'API-Version': '2024-01-01' };
/**
 * And every request names its client, `X-Client-Id: client-00000` … `client-00099` in turn (lib/load.mjs
 * `clients`), as requests from a modest set of API consumers would: Verso records usage per
 * client, so one client (the remote address, without the header) would flatter the recorder.
 * Every cell sends the same requests, the baselines included, so they forward the same bytes.
 */
export const CLIENTS = { header: 'X-Client-Id', count: 100, format: 'client-%05d' };

/**
 * The form cells' body, as Stripe's SDK writes a create: brackets for nested metadata and indexed
 * items. At 2024-01-01 the customer field is `customer`; fixtures/form renames it `customer_id`.
 */
const FORM_REST = 'amount=1999&currency=usd&metadata%5Bplan%5D=pro&metadata%5Bsource%5D=bench&items%5B0%5D%5Bprice%5D=p_1&items%5B0%5D%5Bquantity%5D=2&items%5B1%5D%5Bprice%5D=p_2&items%5B1%5D%5Bquantity%5D=1';
export const FORM_BODY = { head: `customer_id=cus_1&${FORM_REST}`, old: `customer=cus_1&${FORM_REST}` };

/** A Node server script from servers/, pinned to the proxy core, told its port and the origin. */
export async function nodeServer(ctx, name, script, env = {}) {
  const port = await freePort();
  const proc = launch({
    name,
    core: ctx.cores.proxy,
    cmd: process.execPath,
    node: true,
    args: [...ctx.nodeArgs, here(script)],
    env: { BENCH_PORT: String(port), BENCH_ORIGIN_URL: ctx.origin.url, ...env },
  });
  return { url: `http://127.0.0.1:${port}`, proc };
}

/**
 * The real gateway, started the way operators start it (`verso start --config FILE`), from the
 * compiled dist/ (or through tsx with --verso tsx). Its stdout, one JSON log line per request at
 * the default info level, goes to /dev/null. Its usage store is a SQLite file of its own in the
 * run's scratch directory (`BENCH_SQLITE`, which the fixtures require), returned as `sqlite` so
 * the harness can count what was recorded; `{ BENCH_RECORD: 'false' }` turns recording off.
 */
export async function versoServer(ctx, config, env = {}, { args = [], core = ctx.cores.proxy } = {}) {
  const port = await freePort();
  const adminPort = await freePort();
  const sqlite = join(ctx.tmp, `usage-${port}.db`);
  const proc = launch({
    name: 'verso',
    core,
    cmd: process.execPath,
    node: true,
    args: [...ctx.verso.nodeArgs, ...ctx.nodeArgs, ctx.verso.cli, 'start', '--config', here(config), ...args],
    env: { BENCH_PORT: String(port), BENCH_ADMIN_PORT: String(adminPort), BENCH_ORIGIN_URL: ctx.origin.url, BENCH_SQLITE: sqlite, ...env },
  });
  return { url: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${adminPort}`, proc, sqlite };
}

const LIFECYCLE = ['api-version', 'deprecation', 'sunset', 'link'];

/** What every Verso cell must answer: the lifecycle headers of the deprecated 2024-01-01. */
function lifecycleProblem(res) {
  const missing = LIFECYCLE.filter((h) => !res.headers[h]);
  if (missing.length > 0) return `missing response headers: ${missing.join(', ')}`;
  if (res.headers['api-version'] !== '2024-01-01') return `API-Version echoed as ${res.headers['api-version']}`;
  return undefined;
}

/**
 * Whether `order` is an Order as 2024-01-01 has it, translated from `head` (the origin's order):
 * customer_id renamed back to customer, "canceled" spelled "cancelled", amount a decimal string in
 * major units, no currency (2024-09-01 added it), everything else as it was.
 */
export function orderProblem(order, head) {
  const expected = {
    id: head.id,
    customer: head.customer_id,
    amount: (head.amount / 100).toFixed(2),
    status: head.status === 'canceled' ? 'cancelled' : head.status,
    created_at: head.created_at,
  };
  if (order === null || typeof order !== 'object' || Array.isArray(order)) return `not an order: ${JSON.stringify(order)?.slice(0, 120)}`;
  const a = JSON.stringify(Object.keys(order).sort());
  const b = JSON.stringify(Object.keys(expected).sort());
  if (a !== b) return `order ${head.id} has fields ${a}, 2024-01-01 has ${b}`;
  for (const [key, value] of Object.entries(expected)) {
    if (order[key] !== value) return `order ${head.id}: ${key} is ${JSON.stringify(order[key])}, expected ${JSON.stringify(value)}`;
  }
  return undefined;
}

function parsed(res) {
  try {
    return { body: JSON.parse(res.body.toString('utf8')) };
  } catch (err) {
    return { problem: `body is not JSON: ${err.message}` };
  }
}

/** The order of GET /orders/{id} in the 2024-01-01 shape (`amount` a string, `customer` present, …). */
function translatedOrderProblem(res) {
  const { body, problem } = parsed(res);
  return lifecycleProblem(res) ?? problem ?? orderProblem(body, ORDER);
}

/** GET /orders in the 2024-01-01 shape: a bare array (no `{ data, has_more }` page), each order translated. */
function translatedListProblem(res) {
  const { body, problem } = parsed(res);
  if (lifecycleProblem(res) ?? problem) return lifecycleProblem(res) ?? problem;
  if (!Array.isArray(body)) return `expected a bare array of orders (2024-01-01 has no page object), got ${JSON.stringify(body).slice(0, 120)}`;
  if (body.length !== LIST.data.length) return `expected ${LIST.data.length} orders, got ${body.length}`;
  for (let i = 0; i < body.length; i++) {
    const wrong = orderProblem(body[i], LIST.data[i]);
    if (wrong) return wrong;
  }
  return undefined;
}

/** Passthrough: the origin's bytes, untouched. */
const untouched = (expected) => (res) => lifecycleProblem(res) ?? (res.body.equals(expected) ? undefined : `body differs from the origin's (${res.body.length} B, origin ${expected.length} B)`);

export const cells = [
  {
    name: 'direct',
    label: 'none (direct to origin)',
    start: (ctx) => ({ url: ctx.origin.url, proc: null }),
  },
  {
    name: 'nginx',
    label: 'nginx, keepalive upstream',
    cpuBound: false, // far cheaper than the load generator and origin on the other core
    skip: (ctx) => (ctx.nginx ? undefined : 'nginx is not installed (Debian: apt-get install -y nginx)'),
    async start(ctx) {
      const port = await freePort();
      const proc = startNginx({
        nginx: ctx.nginx, dir: join(ctx.tmp, 'nginx'), port, originPort: ctx.origin.port, core: ctx.cores.proxy,
      });
      return { url: `http://127.0.0.1:${port}`, proc };
    },
  },
  {
    name: 'http-proxy',
    label: 'bare @fastify/http-proxy',
    start: (ctx) => nodeServer(ctx, 'http-proxy', 'servers/http-proxy.mjs'),
  },
  {
    name: 'verso',
    label: `Verso passthrough, ${BODIES.order.length} B order (header, deprecated, info log, recording)`,
    start: (ctx) => versoServer(ctx, 'fixtures/passthrough.yaml'),
    check: untouched(BODIES.order),
    recording: true,
  },
  // --workers (issue 13): both cells may use both cores (the load generator and the origin share
  // them), so compare the two with each other, not with the pinned cells.
  {
    name: 'verso-1-worker',
    label: `Verso passthrough, ${BODIES.order.length} B order, one process on either core`,
    start: (ctx) => versoServer(ctx, 'fixtures/passthrough.yaml', {}, { core: '0,1' }),
    check: untouched(BODIES.order),
    recording: true,
  },
  {
    name: 'verso-2-workers',
    label: `Verso passthrough, ${BODIES.order.length} B order, --workers 2 (primary + 2 workers) on either core`,
    start: (ctx) => versoServer(ctx, 'fixtures/passthrough.yaml', {}, { args: ['--workers', '2'], core: '0,1' }),
    check: untouched(BODIES.order),
    recording: true,
  },
  {
    name: 'verso-flush-1s',
    label: `Verso passthrough, ${BODIES.order.length} B order, usage flushed every 1 s (usage.flushInterval)`,
    start: (ctx) => versoServer(ctx, 'fixtures/passthrough.yaml', { BENCH_FLUSH_INTERVAL: '1s' }),
    check: untouched(BODIES.order),
    recording: true,
  },
  {
    name: 'verso-no-recording',
    label: `Verso passthrough, ${BODIES.order.length} B order, usage recording off`,
    start: (ctx) => versoServer(ctx, 'fixtures/passthrough.yaml', { BENCH_RECORD: 'false' }),
    check: untouched(BODIES.order),
    recording: false,
  },
  {
    name: 'verso-translated',
    label: `Verso translated, 3-change chain, ${BODIES.order.length} B order`,
    start: (ctx) => versoServer(ctx, 'fixtures/translated.yaml'),
    check: translatedOrderProblem,
    recording: true,
  },
  {
    name: 'verso-list',
    label: `Verso passthrough, ${(BODIES.list.length / 1000).toFixed(1)} KB order list`,
    path: '/orders',
    start: (ctx) => versoServer(ctx, 'fixtures/passthrough.yaml'),
    check: untouched(BODIES.list),
    recording: true,
  },
  {
    name: 'verso-translated-list',
    label: `Verso translated, 3-change chain + list envelope, ${(BODIES.list.length / 1000).toFixed(1)} KB order list`,
    path: '/orders',
    start: (ctx) => versoServer(ctx, 'fixtures/translated.yaml'),
    check: translatedListProblem,
    recording: true,
  },
  {
    name: 'verso-form',
    label: `Verso passthrough, ${FORM_BODY.head.length} B form-encoded create`,
    path: '/orders',
    method: 'POST',
    body: FORM_BODY.head,
    headers: { 'API-Version': '2025-06-01', 'Content-Type': 'application/x-www-form-urlencoded' },
    start: (ctx) => versoServer(ctx, 'fixtures/form.yaml'),
    recording: true,
  },
  {
    name: 'verso-form-translated',
    label: `Verso translated, ${FORM_BODY.old.length} B form-encoded create (decoded, changed, re-encoded)`,
    path: '/orders',
    method: 'POST',
    body: FORM_BODY.old,
    headers: { 'API-Version': '2024-01-01', 'Content-Type': 'application/x-www-form-urlencoded' },
    start: (ctx) => versoServer(ctx, 'fixtures/form.yaml'),
    recording: true,
  },
];

/**
 * Targets, checked on the medians. `ratio`: metric of `cell` / metric of `of`, at least `min`.
 * `value`: metric of `cell`, at most `max`. Metrics: rps, p99Ms, cpuUsPerReq, rssMB. A target
 * with neither `min` nor `max` is reported for information, without a verdict.
 */
export const targets = [
  { label: 'Verso / bare http-proxy throughput', kind: 'ratio', cell: 'verso', of: 'http-proxy', metric: 'rps', min: 1.1 },
  { label: 'Usage recording on / off throughput', kind: 'ratio', cell: 'verso', of: 'verso-no-recording', metric: 'rps', min: 0.97 },
  { label: 'Verso, recording off / bare http-proxy throughput', kind: 'ratio', cell: 'verso-no-recording', of: 'http-proxy', metric: 'rps' },
  { label: 'Verso RSS under load (MB)', kind: 'value', cell: 'verso', metric: 'rssMB', max: 150 },
  { label: '--workers 2 / --workers 1 throughput (both on either core)', kind: 'ratio', cell: 'verso-2-workers', of: 'verso-1-worker', metric: 'rps' },
  { label: 'Translated / passthrough throughput, order', kind: 'ratio', cell: 'verso-translated', of: 'verso', metric: 'rps', min: 0.9 },
  { label: 'Translated / passthrough throughput, 20 KB list', kind: 'ratio', cell: 'verso-translated-list', of: 'verso-list', metric: 'rps', min: 0.5 },
  { label: 'Verso translated RSS under load (MB), 20 KB list', kind: 'value', cell: 'verso-translated-list', metric: 'rssMB' },
  { label: 'Translated / passthrough throughput, form-encoded create', kind: 'ratio', cell: 'verso-form-translated', of: 'verso-form', metric: 'rps', min: 0.85 },
];
