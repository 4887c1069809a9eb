#!/usr/bin/env node
/**
 * The soak (issue 10): does the gateway hold its memory and its latency over a long run of mixed
 * traffic? The real gateway (dist/, as e2e.mjs starts it) with the demo's changes and
 * fixtures/soak.yaml in front of the bench origin, under wrk for --minutes, sending in turn
 * (lib/mix.lua) from --clients distinct `X-Client-Id` values:
 *   - GET /orders/ord_1 at the head version: no chain, streamed through;
 *   - GET /orders/ord_1 and GET /orders (20 KB) at 2024-01-01: translated;
 *   - `API-Version: banana`: 400 invalid-version;
 *   - 2023-06-01, past its sunset in soak.yaml: 410;
 * and, from this process every --abort-ms, a client that goes away: alternately a POST whose body
 * stops after 5 of 100 bytes before the socket is destroyed, and a translated GET destroyed right
 * after it is sent.
 *
 * The run is cut into four quarters (one wrk run each, carrying on through the client ids), so each
 * quarter has its own p99. RSS is sampled every --sample-s. Targets: the median RSS of the last
 * quarter at most 10% above the first quarter's, and p99 per quarter reported. Afterwards the
 * gateway is stopped (SIGTERM: it flushes) and its SQLite store is read: every client recorded.
 *
 *   npm run build && cd bench && node soak.mjs               # 20 minutes; npm run soak
 *   node soak.mjs --minutes 2 --out results/quick-soak       # a 2-minute check of the harness
 *   node soak.mjs [--minutes 20] [--clients 10000] [--connections 16] [--sample-s 10]
 *                 [--abort-ms 100 (0: none)] [--verso dist|tsx] [--out results/soak]
 *
 * Bounded: --minutes of load (at most 120), then it stops; every child has the watchdog's
 * lifeline and deadline, and whatever is left is killed on exit. Exits 0 whatever the verdicts.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { versoServer } from './cells.mjs';
import { clientId, loadGenerator } from './lib/load.mjs';
import { get, pinSelf, rssBytes } from './lib/processes.mjs';
import { median } from './lib/report.mjs';
import { BENCH, CORES, gitRevision, loadAverage, startCell, startOrigin, versoBuild } from './lib/setup.mjs';
import { usageSummary } from './lib/usage-db.mjs';

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '20' },
    clients: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '16' },
    'sample-s': { type: 'string', default: '10' },
    'abort-ms': { type: 'string', default: '100' },
    verso: { type: 'string', default: 'dist' },
    out: { type: 'string', default: 'results/soak' },
  },
});
const minutes = Number(opts.minutes);
const clientCount = Number(opts.clients);
const connections = Number(opts.connections);
const sampleS = Number(opts['sample-s']);
const abortMs = Number(opts['abort-ms']);
if (!(minutes >= 1 && minutes <= 120)) throw new Error('--minutes must be 1 to 120');
if (!(clientCount >= 1 && clientCount <= 100_000)) throw new Error('--clients must be 1 to 100000');
if (!(connections >= 1 && connections <= 512)) throw new Error('--connections must be 1 to 512');
if (!(sampleS >= 1 && sampleS <= 600)) throw new Error('--sample-s must be 1 to 600');
if (!(abortMs === 0 || abortMs >= 10)) throw new Error('--abort-ms must be 0 (none) or at least 10');
const QUARTERS = 4;
const quarterSeconds = Math.round((minutes * 60) / QUARTERS);
const MAX_GROWTH = 0.1;
const MIX_LUA = fileURLToPath(new URL('./lib/mix.lua', import.meta.url));
const CLIENTS = { header: 'X-Client-Id', count: clientCount, format: 'client-%05d', script: MIX_LUA };
const MB = 2 ** 20;
const log = (line) => process.stdout.write(`${line}\n`);

/** `verso_requests_total` summed by status class, and the heap in use, from the admin /metrics. */
async function metrics(gateway) {
  const res = await get(`${gateway.adminUrl}/metrics`);
  const text = res.body.toString('utf8');
  const byClass = {};
  for (const m of text.matchAll(/^verso_requests_total\{[^}]*status_class="(\w+)"[^}]*\}\s+(\S+)/gm)) byClass[m[1]] = (byClass[m[1]] ?? 0) + Number(m[2]);
  const heap = /^verso_nodejs_heap_size_used_bytes\s+(\S+)/m.exec(text);
  return { byClass, heapUsedMB: heap ? Number(heap[1]) / MB : null };
}

/**
 * Clients that go away every `everyMs`, alternately mid-request (a POST body cut after 5 of its
 * 100 bytes) and before the answer (a translated GET). Resolves counts when stopped.
 */
function aborters(port, everyMs) {
  const counts = { midBody: 0, beforeAnswer: 0 };
  let n = 0;
  const timer = setInterval(() => {
    const k = n++;
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('connect', () => {
      if (k % 2 === 0) {
        socket.write(`POST /orders HTTP/1.1\r\nHost: soak\r\nAPI-Version: 2024-01-01\r\nX-Client-Id: aborting-${k % 100}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"cus`);
        setTimeout(() => socket.destroy(), 20);
        counts.midBody++;
      } else {
        socket.write(`GET /orders HTTP/1.1\r\nHost: soak\r\nAPI-Version: 2024-01-01\r\nX-Client-Id: aborting-${k % 100}\r\n\r\n`);
        setImmediate(() => socket.destroy());
        counts.beforeAnswer++;
      }
    });
  }, everyMs);
  return { stop: () => { clearInterval(timer); return counts; } };
}

const fmt = (v, digits = 0) => (v === null || v === undefined ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const pct = (v) => (v === null || v === undefined ? '–' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`);

function markdown(result, meta) {
  const lines = [
    `Verso soak, ${meta.date}`,
    '',
    `${meta.machine}; Node ${meta.node}; ${meta.load}, ${connections} connections; ${minutes} minutes in ${QUARTERS} quarters of ${quarterSeconds} s; ${fmt(clientCount)} distinct clients; a client going away every ${abortMs} ms; RSS sampled every ${sampleS} s; Verso from ${meta.verso}; revision ${meta.revision}; load average ${meta.loadAverageBefore} before the run.`,
    '',
    'Traffic (lib/mix.lua), in turn: head-version order (streamed), 2024-01-01 order and 20 KB list (translated), an invalid version (400), the sunset 2023-06-01 (410).',
    '',
    '| quarter | requests | req/s | p99 ms | non-2xx | RSS median MB | RSS max MB | heap used MB (end) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  result.quarters.forEach((q, i) => {
    lines.push(`| ${i + 1} | ${fmt(q.requests)} | ${fmt(q.rps)} | ${fmt(q.p99Ms, 2)} | ${fmt(q.non2xx)} | ${fmt(q.rssMedianMB, 1)} | ${fmt(q.rssMaxMB, 1)} | ${fmt(q.heapUsedMB, 1)} |`);
  });
  const s = result.store;
  const classes = Object.entries(result.byClass).sort().map(([c, n]) => `${c} ${fmt(n)}`).join(', ');
  lines.push(
    '',
    '| target | value | goal | verdict |',
    '|---|---:|---:|---|',
    `| RSS, last quarter ÷ first quarter (medians of samples) | ${pct(result.growth)} | <= +${MAX_GROWTH * 100}% | ${result.growth === null ? 'n/a' : result.growth <= MAX_GROWTH ? 'PASS' : 'FAIL'} |`,
    `| p99, last quarter ÷ first quarter | ${fmt(result.p99Ratio, 2)} | – | info |`,
    `| clients recorded (client-00000 … ${clientId(CLIENTS.format, clientCount - 1)}) | ${fmt(s.expectedClients)} | ${fmt(clientCount)} | ${s.expectedClients === clientCount ? 'PASS' : 'FAIL'} |`,
    `| gateway still answering after the run | ${result.aliveStatus} | 200 | ${result.aliveStatus === 200 ? 'PASS' : 'FAIL'} |`,
    '',
    `Answers by status class (the gateway's \`verso_requests_total\`): ${classes || 'none'}. Clients that went away: ${fmt(result.aborted.midBody)} mid-body, ${fmt(result.aborted.beforeAnswer)} before the answer. Store after the run: ${fmt(s.rows)} usage rows, ${fmt(s.clients)} distinct clients, ${fmt(s.requests)} requests counted.`,
    '',
    'RSS is the resident memory of the gateway process (VmRSS); heap used is what V8 reported at the end of the quarter, without a forced collection.',
    '',
    `Command: \`${meta.command}\``,
  );
  return `${lines.join('\n')}\n`;
}

async function main() {
  const cores = os.availableParallelism();
  pinSelf(CORES.load);
  const load = loadGenerator('wrk');
  const verso = versoBuild(opts.verso, log);
  process.env.BENCH_DEADLINE_MS = String((minutes * 60 + 180) * 1000);
  const tmp = mkdtempSync(join(os.tmpdir(), 'verso-soak-'));
  const meta = {
    date: new Date().toISOString(),
    machine: `${cores} cores (${(os.cpus()[0]?.model ?? 'unknown CPU').trim()})`,
    node: process.versions.node,
    load: load.version,
    verso: verso.mode,
    revision: gitRevision(),
    loadAverageBefore: loadAverage(),
    command: `cd bench && node soak.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
  };
  log(`${meta.machine}, Node ${meta.node}, ${meta.load}; Verso: ${verso.mode}, revision ${meta.revision}; ${minutes} minutes`);
  if (meta.loadAverageBefore > 0.5) log(`WARNING: load average ${meta.loadAverageBefore} before the run: something else is using the CPUs; expect noise.`);

  const started = [];
  let result;
  try {
    const origin = await startOrigin(started);
    const ctx = { origin, cores: CORES, tmp, nginx: undefined, verso, nodeArgs: [] };
    const gateway = await startCell({ name: 'verso-soak', start: (c) => versoServer(c, 'fixtures/soak.yaml') }, ctx, started);
    log(`ready at ${gateway.url} (pid ${gateway.pids.join(', ')})`);
    const port = Number(new URL(gateway.url).port);
    const abort = abortMs > 0 ? aborters(port, abortMs) : { stop: () => ({ midBody: 0, beforeAnswer: 0 }) };
    const quarters = [];
    let next = 0;
    let aborted;
    try {
      for (let q = 0; q < QUARTERS; q++) {
        const samples = [rssBytes(gateway.pids) / MB];
        const timer = setInterval(() => samples.push(rssBytes(gateway.pids) / MB), sampleS * 1000);
        let r;
        try {
          r = await load.run({ url: gateway.url, headers: {}, clients: { ...CLIENTS, start: next }, connections, seconds: quarterSeconds, core: CORES.load });
        } finally {
          clearInterval(timer);
        }
        next += r.requests;
        samples.push(rssBytes(gateway.pids) / MB);
        const { heapUsedMB } = await metrics(gateway);
        const row = { requests: r.requests, rps: r.rps, p99Ms: r.p99Ms, non2xx: r.errors, rssMedianMB: median(samples), rssMaxMB: Math.max(...samples), samples: samples.length, heapUsedMB };
        quarters.push(row);
        log(`quarter ${q + 1}/${QUARTERS}  ${fmt(row.rps)} req/s  p99 ${row.p99Ms.toFixed(2)} ms  RSS median ${row.rssMedianMB.toFixed(1)} MB, max ${row.rssMaxMB.toFixed(1)} MB  heap used ${fmt(heapUsedMB, 1)} MB`);
      }
    } finally {
      aborted = abort.stop();
    }
    const alive = await get(`${gateway.url}/orders/ord_1`, { 'API-Version': '2024-01-01' });
    const { byClass } = await metrics(gateway);
    for (const proc of started.reverse()) await proc.stop(15_000);
    started.length = 0;
    const store = usageSummary(gateway.sqlite, Array.from({ length: clientCount }, (_, k) => clientId(CLIENTS.format, k)));
    const first = quarters[0].rssMedianMB;
    const last = quarters.at(-1).rssMedianMB;
    result = {
      quarters, byClass, aborted, store, aliveStatus: alive.status,
      growth: first ? last / first - 1 : null,
      p99Ratio: quarters[0].p99Ms ? quarters.at(-1).p99Ms / quarters[0].p99Ms : null,
    };
  } finally {
    for (const proc of started.reverse()) await proc.stop(15_000);
    rmSync(tmp, { recursive: true, force: true });
  }

  const md = markdown(result, meta);
  log(`\n${md}`);
  const out = resolve(BENCH, opts.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, `${JSON.stringify({ meta, result }, null, 2)}\n`);
  writeFileSync(`${out}.md`, md);
  log(`wrote ${opts.out}.json and .md`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exitCode = 1;
});
