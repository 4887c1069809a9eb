#!/usr/bin/env node
/**
 * Many pinned clients (issue 10.10): the p99 of a steady 200 req/s probe, and the gateway's RSS,
 * with 100 pins in the store and with 200,000. Pinning on (`resolve.order` with `pin`,
 * `pins.refresh` 10 s), the passthrough cell's config otherwise; the store is filled before the
 * gateway starts (pinned a day ago, or --pinned-ago seconds), so it loads every pin at start and then refreshes incrementally
 * (gateway/usage/pins.ts).
 * Goal: p99 with 200,000 pins under 3× the p99 with 100, RSS under 200 MB.
 *
 *   npm run build && cd bench && node pins-probe.mjs [--pins 200000] [--duration 30] [--pinned-ago 86400] [--out results/pins-probe]
 *
 * Bounded: two gateways, one after the other, --duration seconds of probe each; every child is stopped.
 */

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort } from './lib/processes.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const { values: opts } = parseArgs({ options: { pins: { type: 'string', default: '200000' }, duration: { type: 'string', default: '30' }, 'pinned-ago': { type: 'string', default: '86400' }, out: { type: 'string', default: 'results/pins-probe' } } });
/** How long before the start the stored pins were set (s): a day by default; 60 puts all of them in every incremental refresh's overlap. */
const PINNED_AGO_MS = Number(opts['pinned-ago']) * 1000;
const MANY = Number(opts.pins);
const DURATION = Number(opts.duration);
const Database = createRequire(join(ROOT, 'package.json'))('better-sqlite3');
const { SqliteStore } = await import(join(ROOT, 'dist/gateway/usage/store/sqlite.js'));

const dir = mkdtempSync(join(tmpdir(), 'verso-pins-probe-'));
const children = [];
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });

function start(script, args, env) {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function ready(url) {
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(url)).status < 500) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

function rss(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

const originPort = await freePort();
start(join(BENCH, 'servers/origin.mjs'), [], { BENCH_PORT: String(originPort) });
await ready(`http://127.0.0.1:${originPort}/orders/ord_1`);

const config = readFileSync(join(BENCH, 'fixtures/passthrough.yaml'), 'utf8')
  .replace('order: [header, path, query, media-type, default]', 'order: [header, path, query, media-type, pin, default]')
  .concat('\npins:\n  refresh: 10s\n');

async function run(pins) {
  const file = join(dir, `usage-${pins}.db`);
  const store = new SqliteStore(file);
  await store.init();
  await store.close();
  const db = new Database(file);
  const insert = db.prepare('INSERT INTO pins (client, version, pinned_at, pinned_by) VALUES (?, ?, ?, ?)');
  db.transaction(() => { for (let i = 0; i < pins; i++) insert.run(`client-${String(i).padStart(6, '0')}`, '2024-01-01', Date.now() - PINNED_AGO_MS, 'admin'); })();
  db.close();
  const configFile = join(dir, `gateway-${pins}.yaml`);
  writeFileSync(configFile, config);
  const port = await freePort();
  const adminPort = await freePort();
  const gateway = start(join(ROOT, 'dist/gateway/cli/main.js'), ['start', '--config', configFile], {
    BENCH_PORT: String(port), BENCH_ADMIN_PORT: String(adminPort), BENCH_ORIGIN_URL: `http://127.0.0.1:${originPort}`, BENCH_SQLITE: file,
  });
  const url = `http://127.0.0.1:${port}/orders/ord_1`;
  await ready(url);
  const samples = [];
  const sampler = setInterval(() => samples.push(rss(gateway.pid)), 250);
  const result = await autocannon({ url, connections: 4, duration: DURATION, overallRate: 200, headers: { 'X-Client-Id': 'client-000001' } });
  clearInterval(sampler);
  gateway.kill('SIGTERM');
  await new Promise((r) => gateway.once('exit', r));
  samples.sort((a, b) => a - b);
  return { pins, requests: result.requests.total, p50_ms: result.latency.p50, p99_ms: result.latency.p99, rss_median_mb: samples[Math.floor(samples.length / 2)], rss_max_mb: samples.at(-1) };
}

const few = await run(100);
const many = await run(MANY);
const ratio = many.p99_ms / few.p99_ms;
const result = { date: new Date().toISOString(), duration_s: DURATION, few, many, p99_ratio: ratio, pass: { p99: ratio < 3, rss: many.rss_max_mb < 200 } };
const md = `# A 200 req/s probe with ${few.pins} and ${many.pins.toLocaleString('en')} pinned clients

\`node pins-probe.mjs --pins ${MANY} --duration ${DURATION}${opts['pinned-ago'] === '86400' ? '' : ` --pinned-ago ${opts['pinned-ago']}`}\` (${result.date}): pinning on, pins.refresh 10 s, the stored pins set ${opts['pinned-ago']} s before the start, a ${DURATION} s probe at 200 req/s.

| pins in the store | requests | p50 ms | p99 ms | RSS median MB | RSS max MB |
|---:|---:|---:|---:|---:|---:|
| ${few.pins} | ${few.requests} | ${few.p50_ms} | ${few.p99_ms} | ${few.rss_median_mb.toFixed(1)} | ${few.rss_max_mb.toFixed(1)} |
| ${many.pins.toLocaleString('en')} | ${many.requests} | ${many.p50_ms} | ${many.p99_ms} | ${many.rss_median_mb.toFixed(1)} | ${many.rss_max_mb.toFixed(1)} |

p99 with ${many.pins.toLocaleString('en')} ÷ with ${few.pins}: **${ratio.toFixed(2)}** (goal < 3: ${result.pass.p99 ? 'PASS' : 'FAIL'}); RSS max ${many.rss_max_mb.toFixed(1)} MB (goal < 200: ${result.pass.rss ? 'PASS' : 'FAIL'}).
`;
const out = resolve(BENCH, opts.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.json`, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(`${out}.md`, md);
console.log(md);
process.exit(0);
