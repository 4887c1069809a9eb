#!/usr/bin/env node
/**
 * Does usage recording keep memory flat with many clients? The real gateway (dist/, as e2e.mjs
 * starts it) in front of the bench origin, twice: recording on (the default: counts per client,
 * version, source, operation, status class and minute, flushed to SQLite every 10 s) and
 * recording off, the baseline. Phases of load, alternating between the two, each phase sending
 * `X-Client-Id: client-00000` … `client-09999` in turn (10,000 distinct clients, each seen several
 * times a phase). RSS of each gateway is sampled every --sample-ms during its phases; Node cannot
 * be made to collect garbage from outside, so each phase is summarised by the median and the
 * maximum of its samples, and by the V8 heap in use (`verso_nodejs_heap_size_used_bytes` from the
 * admin listener's /metrics) right after it.
 *
 * Target: RSS (median of the phase's samples) grows at most 10% from phase 2 to the last phase with
 * recording on (phase 1 holds the warm-up: JIT, pools, the first 10,000 rows). Afterwards the
 * gateways are stopped (SIGTERM: they flush), and the recording one's SQLite file must hold every
 * one of the 10,000 clients and at least as many requests as were sent; the other one nothing.
 *
 *   npm run build && cd bench && node usage-clients.mjs     # npm run usage-clients: ~2.5 minutes
 *   node usage-clients.mjs [--phases 6] [--duration 10] [--clients 10000] [--connections 32]
 *                          [--sample-ms 250] [--load wrk|autocannon] [--verso dist|tsx] [--out results/usage-clients]
 *
 * Bounded: phases × 2 × duration of load, then it stops; every child has the watchdog's lifeline
 * and deadline, and whatever is left is killed on exit. Exits 0 whatever the verdicts.
 */

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HEADERS, PATH, versoServer } from './cells.mjs';
import { clientId, loadGenerator } from './lib/load.mjs';
import { get, pinSelf, rssBytes } from './lib/processes.mjs';
import { median } from './lib/report.mjs';
import { BENCH, CORES, gitRevision, loadAverage, startCell, startOrigin, versoBuild } from './lib/setup.mjs';
import { usageSummary } from './lib/usage-db.mjs';

const { values: opts } = parseArgs({
  options: {
    phases: { type: 'string', default: '6' },
    duration: { type: 'string', default: '10' },
    clients: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '32' },
    'sample-ms': { type: 'string', default: '250' },
    load: { type: 'string' },
    verso: { type: 'string', default: 'dist' },
    out: { type: 'string', default: 'results/usage-clients' },
  },
});
const phases = Number(opts.phases);
const seconds = Number(opts.duration);
const clientCount = Number(opts.clients);
const connections = Number(opts.connections);
const sampleMs = Number(opts['sample-ms']);
if (!(phases >= 3 && phases <= 50)) throw new Error('--phases must be 3 to 50 (growth is measured from phase 2 to the last)');
if (!(seconds >= 1 && seconds <= 120)) throw new Error('--duration must be 1 to 120 seconds');
if (!(clientCount >= 1 && clientCount <= 1_000_000)) throw new Error('--clients must be 1 to 1000000');
const MAX_GROWTH = 0.1;
const CLIENTS = { header: 'X-Client-Id', count: clientCount, format: clientCount > 100_000 ? 'client-%06d' : 'client-%05d' };
const MB = 2 ** 20;
const log = (line) => process.stdout.write(`${line}\n`);

/** The gateway's V8 heap in use, from its admin /metrics (default prom-client metrics); null if unavailable. */
async function heapUsedMB(gateway) {
  try {
    const res = await get(`${gateway.adminUrl}/metrics`);
    const m = /^verso_nodejs_heap_size_used_bytes\s+(\S+)/m.exec(res.body.toString('utf8'));
    return m ? Number(m[1]) / MB : null;
  } catch {
    return null;
  }
}

/**
 * Load one gateway for a phase while sampling its RSS (MB). Each phase carries on through the
 * client ids where the gateway's previous phase stopped, so every id is sent within the first
 * ~10,000 requests and all of them again in every later stretch of that length.
 */
async function phase(load, gateway) {
  const samples = [];
  const timer = setInterval(() => samples.push(rssBytes(gateway.pids) / MB), sampleMs);
  let r;
  try {
    r = await load.run({ url: gateway.url + PATH, headers: HEADERS, clients: { ...CLIENTS, start: gateway.next }, connections, seconds, core: CORES.load });
    gateway.next = (gateway.next + r.requests) % clientCount;
  } finally {
    clearInterval(timer);
  }
  samples.push(rssBytes(gateway.pids) / MB);
  return {
    requests: r.requests, rps: r.rps, errors: r.errors,
    rssMedianMB: median(samples), rssMaxMB: Math.max(...samples), samples: samples.length,
    heapUsedMB: await heapUsedMB(gateway),
  };
}

const fmt = (v, digits = 0) => (v === null || v === undefined ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const pct = (v) => (v === null ? '–' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`);
const growth = (rows, key) => (rows[1][key] && rows.at(-1)[key] ? rows.at(-1)[key] / rows[1][key] - 1 : null);

function markdown(result, meta) {
  const { on, off } = result;
  const lines = [
    `Verso usage recording with ${fmt(clientCount)} distinct clients, ${meta.date}`,
    '',
    `${meta.machine}; Node ${meta.node}; ${meta.load}, ${connections} connections; ${phases} phases of ${seconds} s per gateway, alternating; RSS sampled every ${sampleMs} ms; Verso from ${meta.verso}; revision ${meta.revision}; load average ${meta.loadAverageBefore} before the run.`,
    '',
    '| phase | on: req/s | on: RSS median MB | on: RSS max MB | on: heap used MB | off: req/s | off: RSS median MB | off: RSS max MB | off: heap used MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (let i = 0; i < on.phases.length; i++) {
    const a = on.phases[i];
    const b = off.phases[i];
    lines.push(`| ${i + 1} | ${fmt(a.rps)} | ${fmt(a.rssMedianMB, 1)} | ${fmt(a.rssMaxMB, 1)} | ${fmt(a.heapUsedMB, 1)} | ${fmt(b.rps)} | ${fmt(b.rssMedianMB, 1)} | ${fmt(b.rssMaxMB, 1)} | ${fmt(b.heapUsedMB, 1)} |`);
  }
  const u = result.store;
  lines.push(
    '',
    `| growth, phase 2 → phase ${phases} | RSS median | RSS max | heap used |`,
    '|---|---:|---:|---:|',
    `| recording on | ${pct(on.growth.rssMedian)} | ${pct(on.growth.rssMax)} | ${pct(on.growth.heapUsed)} |`,
    `| recording off | ${pct(off.growth.rssMedian)} | ${pct(off.growth.rssMax)} | ${pct(off.growth.heapUsed)} |`,
    '',
    '| target | value | goal | verdict |',
    '|---|---:|---:|---|',
    `| RSS growth with recording on, phase 2 → ${phases} (median of samples) | ${pct(on.growth.rssMedian)} | <= +${MAX_GROWTH * 100}% | ${result.flat === null ? 'n/a' : result.flat ? 'PASS' : 'FAIL'} |`,
    `| clients recorded (${clientId(CLIENTS.format, 0)} … ${clientId(CLIENTS.format, clientCount - 1)}) | ${fmt(u.on.expectedClients)} | ${fmt(clientCount)} | ${u.on.expectedClients === clientCount ? 'PASS' : 'FAIL'} |`,
    `| requests counted / sent, recording on | ${fmt(u.on.requests)} / ${fmt(on.sent)} | >= sent | ${u.on.requests >= on.sent ? 'PASS' : 'FAIL'} |`,
    `| rows, recording off | ${fmt(u.off.rows)} | 0 | ${u.off.rows === 0 ? 'PASS' : 'FAIL'} |`,
    '',
    `Store after the run (SQLite, read once the gateways had stopped and flushed): recording on, ${fmt(u.on.rows)} usage rows (per client, version, source, operation, status class and minute), ${fmt(u.on.clients)} distinct clients (the start-up check request is one more, by remote address), ${fmt(u.on.requests)} requests counted, ${fmt(on.sent)} sent (the load generator does not count the requests in flight when it stops); recording off: ${fmt(u.off.rows)} rows.`,
    '',
    'RSS is the resident memory of the gateway process (VmRSS); heap used is what V8 reported right after the phase, without a forced collection, so it moves with the garbage collector\'s timing.',
    '',
    `Command: \`${meta.command}\``,
  );
  return `${lines.join('\n')}\n`;
}

async function main() {
  const cores = os.availableParallelism();
  pinSelf(CORES.load);
  const load = loadGenerator(opts.load);
  const verso = versoBuild(opts.verso, log);
  process.env.BENCH_DEADLINE_MS = String((phases * 2 * (seconds + 3) + 120) * 1000);
  const tmp = mkdtempSync(join(os.tmpdir(), 'verso-usage-clients-'));
  const meta = {
    date: new Date().toISOString(),
    machine: `${cores} cores (${(os.cpus()[0]?.model ?? 'unknown CPU').trim()})`,
    node: process.versions.node,
    load: load.version,
    verso: verso.mode,
    revision: gitRevision(),
    loadAverageBefore: loadAverage(),
    phases, seconds, clients: clientCount, connections, sampleMs,
    command: `cd bench && node usage-clients.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
  };
  log(`${meta.machine}, Node ${meta.node}, ${meta.load}; Verso: ${verso.mode}, revision ${meta.revision}`);
  if (meta.loadAverageBefore > 0.5) log(`WARNING: load average ${meta.loadAverageBefore} before the run: something else is using the CPUs; expect noise.`);

  const started = [];
  const gateways = {};
  let result;
  try {
    const origin = await startOrigin(started);
    const ctx = { origin, cores: CORES, tmp, nginx: undefined, verso, nodeArgs: [] };
    for (const [key, env] of [['on', {}], ['off', { BENCH_RECORD: 'false' }]]) {
      const cell = { name: `verso-recording-${key}`, start: (c) => versoServer(c, 'fixtures/passthrough.yaml', env) };
      gateways[key] = { ...(await startCell(cell, ctx, started)), phases: [], next: 0 };
      log(`ready ${cell.name} at ${gateways[key].url} (pid ${gateways[key].pids.join(', ')})`);
    }
    for (let p = 0; p < phases; p++) {
      for (const key of p % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
        const r = await phase(load, gateways[key]);
        gateways[key].phases[p] = r;
        log(`phase ${p + 1}/${phases}  recording ${key.padEnd(3)}  ${fmt(r.rps).padStart(6)} req/s  RSS median ${r.rssMedianMB.toFixed(1)} MB, max ${r.rssMaxMB.toFixed(1)} MB  heap used ${fmt(r.heapUsedMB, 1)} MB${r.errors ? `  ${r.errors} ERRORS` : ''}`);
      }
    }
  } finally {
    // SIGTERM: the recording gateway flushes its last counts before it exits.
    for (const proc of started.reverse()) await proc.stop(15_000);
    if (gateways.on?.phases.length === phases && gateways.off?.phases.length === phases) {
      const store = {
        on: usageSummary(gateways.on.sqlite, Array.from({ length: clientCount }, (_, k) => clientId(CLIENTS.format, k))),
        off: usageSummary(gateways.off.sqlite),
      };
      const side = (g) => ({
        phases: g.phases,
        sent: g.phases.reduce((a, r) => a + r.requests, 0) + 1, // + the start-up check request
        growth: { rssMedian: growth(g.phases, 'rssMedianMB'), rssMax: growth(g.phases, 'rssMaxMB'), heapUsed: growth(g.phases, 'heapUsedMB') },
      });
      result = { on: side(gateways.on), off: side(gateways.off), store };
      result.flat = result.on.growth.rssMedian === null ? null : result.on.growth.rssMedian <= MAX_GROWTH;
    }
    rmSync(tmp, { recursive: true, force: true });
  }

  const md = markdown(result, meta);
  log(`\n${md}`);
  const out = resolve(BENCH, opts.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, `${JSON.stringify({ meta, ...result }, null, 2)}\n`);
  writeFileSync(`${out}.md`, md);
  log(`wrote ${relative(process.cwd(), out)}.json and .md`);
}

process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
await main();
