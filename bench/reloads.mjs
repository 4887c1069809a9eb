#!/usr/bin/env node
/**
 * Memory over 1,000 reloads (issue 13): does a reload leave anything behind? Each reload compiles
 * the demo's TypeScript changes afresh (gateway/translate/fresh-modules.ts), reads the spec, builds
 * a new generation (apps, chains, upstream pools) and retires the old one; ESM's module cache would
 * have kept every copy of the changes alive, which is why they are not imported.
 *
 * The gateway runs in this process (from dist/) in front of the demo shop, so the script can force
 * a garbage collection before each measurement (run with --expose-gc; `npm run reloads` does).
 * Before each reload one change file is edited (a comment line), so one file is compiled again
 * and the config hash changes, as when someone edits a change. Between reloads, 10 requests (5 translated at 2024-01-01, 5 passthrough at head) use the new
 * generation. Measured after reload 1 and after the last: RSS and V8 heap, after two full GCs and a
 * settle. Goal: RSS after 1,000 within 10 % of RSS after 1.
 *
 * It runs twice, each in a fresh process (glibc reads its settings at process start): with glibc's
 * allocator defaults, and with the GLIBC_TUNABLES the Docker image sets (lib/allocator.mjs reads
 * them from the Dockerfile). Most of what RSS gains over reloads with the defaults is memory glibc
 * keeps after V8's compilers and the reload have freed it, not live memory; the goal is judged on
 * the image's settings, the configuration Verso ships, and both are reported.
 *
 *   npm run build && cd bench && node --expose-gc reloads.mjs [--reloads 1000] [--out results/reloads]
 */

import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import http from 'node:http';
import { IMAGE_TUNABLES } from './lib/allocator.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { reloads: { type: 'string', default: '1000' }, out: { type: 'string', default: 'results/reloads' }, child: { type: 'boolean', default: false } } });
const RELOADS = Number(args.reloads);
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc (npm run reloads does)');
  process.exit(2);
}
const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

if (!args.child) {
  // The parent: one measuring child per allocator setting, then the report.
  const runs = [];
  for (const [allocator, tunables] of [['glibc defaults', undefined], ['the image\'s GLIBC_TUNABLES', IMAGE_TUNABLES]]) {
    const env = { ...process.env };
    delete env.GLIBC_TUNABLES;
    if (tunables) env.GLIBC_TUNABLES = tunables;
    console.log(`\n${allocator}${tunables ? ` (${tunables})` : ''}:`);
    const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', '--reloads', String(RELOADS)], { env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: 30 * 60_000 });
    const lines = child.stdout.trim().split('\n');
    for (const line of lines.slice(0, -1)) console.log(line);
    if (child.status !== 0) throw new Error(`the run with ${allocator} failed (exit ${child.status})`);
    runs.push({ allocator, glibc_tunables: tunables ?? null, ...JSON.parse(lines.at(-1)) });
  }
  const [plain, image] = runs;
  const pass = image.rss_growth <= 0.10;
  const mb = (x) => `${x.toFixed(1)} MB`;
  const md = `# RSS over ${RELOADS} reloads

\`node --expose-gc reloads.mjs --reloads ${RELOADS}\` (${process.version}); the demo's config, spec and ${image.changes} TypeScript changes, one of them edited before each reload, reloaded in process, 10 requests after each; once with glibc's allocator defaults and once with the Docker image's \`GLIBC_TUNABLES=${IMAGE_TUNABLES}\`, each in a fresh process.

| allocator | | after reload 1 | after reload 100 | after reload ${RELOADS} | growth 1 → ${RELOADS} | growth 100 → ${RELOADS} |
|---|---|---:|---:|---:|---:|---:|
${runs.map((r) => `| ${r.allocator} | RSS | ${mb(r.after_first.rss_mb)} | ${r.after_100 ? mb(r.after_100.rss_mb) : '–'} | ${mb(r.after_last.rss_mb)} | **${pct(r.rss_growth)}** | ${r.after_100 ? pct(r.rss_growth_from_100) : '–'} |
| | V8 heap used | ${mb(r.after_first.heap_mb)} | ${r.after_100 ? mb(r.after_100.heap_mb) : '–'} | ${mb(r.after_last.heap_mb)} | ${pct(r.heap_growth)} | ${r.after_100 ? `${pct(r.after_last.heap_mb / r.after_100.heap_mb - 1)} (${r.heap_growth_per_reload_kb_from_100.toFixed(1)} KB per reload)` : '–'} |
| | V8 heap reserved | ${mb(r.after_first.heap_total_mb)} | ${r.after_100 ? mb(r.after_100.heap_total_mb) : '–'} | ${mb(r.after_last.heap_total_mb)} | ${pct(r.after_last.heap_total_mb / r.after_first.heap_total_mb - 1)} | |`).join('\n')}

Goal, RSS after ${RELOADS} reloads within 10 % of after 1, with the image's settings: **${pct(image.rss_growth)} ${pass ? 'PASS' : 'FAIL'}** (glibc defaults: ${pct(plain.rss_growth)}).

One reload (read, compile, build, swap): median ${image.reload_ms.median} ms, p99 ${image.reload_ms.p99} ms (glibc defaults: ${plain.reload_ms.median} ms, ${plain.reload_ms.p99} ms).
`;
  const out = resolve(dirname(fileURLToPath(import.meta.url)), args.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, `${JSON.stringify({ reloads: RELOADS, node: process.version, goal: 'RSS after the last reload within 10 % of RSS after the first, with the image\'s allocator settings', pass, runs }, null, 2)}\n`);
  writeFileSync(`${out}.md`, md);
  console.log(`\n${md}`);
  process.exit(pass ? 0 : 1);
}

const { startDemo } = await import(join(ROOT, 'dist/demo/server.js'));
const { loadEverything } = await import(join(ROOT, 'dist/gateway/reload.js'));
const { createGateway } = await import(join(ROOT, 'dist/gateway/server.js'));

const dir = mkdtempSync(join(tmpdir(), 'verso-bench-reloads-'));
cpSync(join(ROOT, 'versions'), join(dir, 'versions'), { recursive: true });
// Each reload follows an edit of one change file, which is compiled again; the others are not (fresh-modules.ts).
const edited = join(dir, 'versions/2024-09-01/order-amount-minor-units.ts');
const demo = await startDemo();
const file = join(dir, 'gateway.yaml');
writeFileSync(file, `listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
store: { sqlite: ":memory:" }
log: { level: warn }
versions:
  - id: "2023-06-01"
  - id: "2024-01-01"
    deprecated: "2025-06-01"
  - id: "2024-09-01"
  - id: "2025-06-01"
upstreams:
  shop: { url: "${demo.url}", speaks: head }
routes:
  - { prefix: /orders, upstream: shop }
  - { prefix: /customers, upstream: shop }
translation:
  spec: ${join(ROOT, 'specs/shop.openapi.yaml')}
  changes: versions
`);

const { config, translator } = await loadEverything(file);
const gateway = createGateway(config, { translator, logStream: new Writable({ write: (_c, _e, cb) => cb() }) });
const { url } = await gateway.listen();

// node:http rather than fetch: fetch keeps a resource-timing entry per request in this process.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(version) {
  return new Promise((done, fail) => {
    http.get(`${url}/orders/ord_0001`, { agent, headers: { 'api-version': version } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? done() : fail(new Error(`request answered ${res.statusCode}`))));
    }).on('error', fail);
  });
}
async function traffic() {
  for (let i = 0; i < 10; i++) await get(i % 2 === 0 ? '2024-01-01' : '2025-06-01');
}

async function measure() {
  // The same settle for both measurements: full GCs spaced out, so V8's memory reducer can give
  // back the pages a reload's short-lived allocations made it take.
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 500));
    globalThis.gc();
  }
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return { rss_mb: rss / 2 ** 20, heap_mb: heapUsed / 2 ** 20, heap_total_mb: heapTotal / 2 ** 20, external_mb: external / 2 ** 20 };
}

async function reload(n) {
  appendFileSync(edited, `// edit ${n}\n`);
  const result = await gateway.reload('admin');
  if (result.result !== 'success') throw new Error(`reload failed: ${JSON.stringify(result.problems)}`);
  return result.duration_ms;
}

await traffic();
const durations = [await reload(1)];
await traffic();
const first = await measure();
console.log(`after reload 1: RSS ${first.rss_mb.toFixed(1)} MB, heap ${first.heap_mb.toFixed(1)}/${first.heap_total_mb.toFixed(1)} MB`);
let warm;
for (let n = 2; n <= RELOADS; n++) {
  durations.push(await reload(n));
  await traffic();
  if (n === 100 && RELOADS > 100) {
    warm = await measure();
    console.log(`after reload 100: RSS ${warm.rss_mb.toFixed(1)} MB, heap ${warm.heap_mb.toFixed(1)}/${warm.heap_total_mb.toFixed(1)} MB`);
    continue;
  }
  if (n % 50 === 0) {
    globalThis.gc();
    const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
    console.log(`reload ${n}: RSS ${(rss / 2 ** 20).toFixed(1)} MB, heap ${(heapUsed / 2 ** 20).toFixed(1)}/${(heapTotal / 2 ** 20).toFixed(1)} MB, external ${(external / 2 ** 20).toFixed(1)} MB`);
  }
}
const last = await measure();
console.log(`after reload ${RELOADS}: RSS ${last.rss_mb.toFixed(1)} MB, heap ${last.heap_mb.toFixed(1)}/${last.heap_total_mb.toFixed(1)} MB`);

await gateway.close();
await demo.close();
rmSync(dir, { recursive: true, force: true });

durations.sort((a, b) => a - b);
const growth = last.rss_mb / first.rss_mb - 1;
// The parent reads this last line.
console.log(JSON.stringify({
  changes: translator.model.changes.length,
  after_first: first,
  after_100: warm ?? null,
  after_last: last,
  rss_growth_from_100: warm ? last.rss_mb / warm.rss_mb - 1 : null,
  heap_growth_per_reload_kb_from_100: warm ? ((last.heap_mb - warm.heap_mb) * 1024) / (RELOADS - 100) : null,
  rss_growth: growth,
  heap_growth: last.heap_mb / first.heap_mb - 1,
  reload_ms: { median: durations[Math.floor(durations.length / 2)], p99: durations[Math.floor(durations.length * 0.99)] },
}));
process.exit(0);
