#!/usr/bin/env node
/**
 * End-to-end benchmark: one origin, every cell of cells.mjs in front of it, measured in the same
 * run, in alternating order over several rounds. Load generator, origin and this harness share
 * core 0; the server under test has core 1 to itself, and its CPU time (/proc, all threads) and
 * memory are read from the outside. Prints a Markdown table with PASS/FAIL per target and writes
 * results/latest.{json,md}. A benchmark reports: it exits 0 whatever the verdicts.
 *
 *   npm run build && cd bench && npm install && npm run bench
 *   node e2e.mjs [--rounds 5] [--duration 8] [--warmup 2] [--connections 32]
 *                [--only verso,http-proxy] [--load wrk|autocannon] [--verso dist|tsx] [--out results/latest]
 *                [--cells experiments/logging.mjs] [--nice=-10] [--clients 100]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { CLIENTS, HEADERS, PATH } from './cells.mjs';
import { loadGenerator } from './lib/load.mjs';
import { cpuMicros, PINNING, pinSelf, runQueueMicros, sampleRss, setNiceness } from './lib/processes.mjs';
import { markdown, summarize, verdictOf, writeResults } from './lib/report.mjs';
import { BENCH, CORES, gitRevision, loadAverage, startCell, startOrigin, versoBuild } from './lib/setup.mjs';
import { usageSummary } from './lib/usage-db.mjs';
import { findNginx } from './servers/nginx.mjs';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    only: { type: 'string' },
    load: { type: 'string' },
    verso: { type: 'string', default: 'dist' },
    out: { type: 'string', default: 'results/latest' },
    cells: { type: 'string' },
    nice: { type: 'string', default: '0' },
    // Distinct X-Client-Id values the cells cycle through (default CLIENTS of cells.mjs: 100).
    clients: { type: 'string' },
  },
});
// --cells FILE: another list of cells and targets (same exports as cells.mjs), for experiments.
const { cells, targets = [] } = await import(opts.cells ? pathToFileURL(resolve(opts.cells)).href : './cells.mjs');
const rounds = Number(opts.rounds);
const seconds = Number(opts.duration);
const warmup = Number(opts.warmup);
const connections = Number(opts.connections);
const clients = opts.clients ? { ...CLIENTS, count: Number(opts.clients) } : CLIENTS;
const log = (line) => process.stdout.write(`${line}\n`);

async function measure(load, cell) {
  const request = { url: cell.url + (cell.path ?? PATH), headers: cell.headers ?? HEADERS, clients: cell.clients === undefined ? clients : cell.clients ?? undefined, connections, core: CORES.load, method: cell.method, body: cell.body };
  const warm = warmup > 0 ? await load.run({ ...request, seconds: warmup }) : { requests: 0 };
  const cpuBefore = cpuMicros(cell.pids);
  const waitBefore = runQueueMicros(cell.pids);
  const rss = sampleRss(cell.pids);
  const r = await load.run({ ...request, seconds });
  const cpu = cpuMicros(cell.pids) - cpuBefore;
  const wait = runQueueMicros(cell.pids) - waitBefore;
  const maxRss = rss.stop();
  const measured = cell.pids.length > 0;
  return {
    ...r,
    warmupRequests: warm.requests,
    cpuUsPerReq: measured ? cpu / r.requests : null,
    cpuPercent: measured ? (cpu / (r.seconds * 1e6)) * 100 : null,
    // Main thread runnable but not running: the share of time something else held its core.
    runQueuePercent: measured ? (wait / (r.seconds * 1e6)) * 100 : null,
    rssMB: measured ? maxRss / 2 ** 20 : null,
  };
}

/**
 * What a Verso cell's store holds after the run, against what it should: every request sent to a
 * recording cell counted (the check request and the warm-ups included; wrk does not count the
 * requests still in flight when it stops, so the store may hold a few more), nothing when off.
 */
function checkUsage(cell) {
  const sent = cell.result.rounds.reduce((a, r) => a + r.requests + r.warmupRequests, 0);
  let usage;
  try {
    usage = usageSummary(cell.sqlite);
  } catch (err) {
    cell.result.usage = { error: err.message, sent };
    log(`usage ${cell.name}: cannot read ${cell.sqlite}: ${err.message}`);
    return;
  }
  const problem = cell.recording
    ? (usage.requests < sent ? `recorded ${usage.requests} of ${sent} requests` : undefined)
    : (usage.rows > 0 ? `recording is off but the store holds ${usage.rows} rows` : undefined);
  cell.result.usage = { ...usage, sent, recording: cell.recording, problem };
  log(`usage ${cell.name}: ${usage.requests} requests from ${usage.clients} clients in ${usage.rows} rows; ${sent} sent${problem ? `: WRONG, ${problem}` : ''}`);
}

async function main() {
  const cores = os.availableParallelism(); // before pinning: afterwards it counts only core 0
  pinSelf(CORES.load);
  setNiceness(Number(opts.nice));
  const load = loadGenerator(opts.load);
  const verso = versoBuild(opts.verso, log);
  const nginx = findNginx();
  const chosen = opts.only ? cells.filter((c) => opts.only.split(',').includes(c.name)) : cells;
  const deadlineS = Math.ceil(rounds * chosen.length * (warmup + seconds + 2) + 300);
  process.env.BENCH_DEADLINE_MS = String(deadlineS * 1000);
  const tmp = mkdtempSync(join(os.tmpdir(), 'verso-bench-'));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const meta = {
    date: new Date().toISOString(),
    machine: `${cores} cores (${cpu.trim()})`,
    node: process.versions.node,
    load: load.version,
    nginx: nginx?.version ?? null,
    verso: verso.mode,
    revision: gitRevision(),
    pinning: PINNING ? 'taskset: load generator + origin on core 0, proxy on core 1' : 'NOT pinned (no taskset or < 2 cores)',
    loadAverageBefore: loadAverage(),
    nice: Number(opts.nice),
    connections, seconds, warmup, rounds,
    request: { path: PATH, headers: HEADERS, clients },
    cells: opts.cells ?? 'cells.mjs',
    command: `cd bench && node e2e.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
  };
  log(`${meta.machine}, Node ${meta.node}, ${meta.load}, ${meta.pinning}`);
  log(`Verso: ${verso.mode}, revision ${meta.revision}; nginx: ${meta.nginx ?? 'not installed'}`);
  if (meta.loadAverageBefore > 0.5) log(`WARNING: load average ${meta.loadAverageBefore} before the run: something else is using the CPUs; expect noise.`);

  const started = [];
  const results = [];
  const active = [];
  try {
    const origin = await startOrigin(started);
    const ctx = { origin, cores: CORES, tmp, nginx, verso, nodeArgs: [] };

    for (const cell of chosen) {
      const result = { name: cell.name, label: cell.label, cpuBound: cell.cpuBound, rounds: [] };
      results.push(result);
      const reason = cell.skip?.(ctx);
      if (reason) {
        result.skipped = reason;
        log(`skip  ${cell.name}: ${reason}`);
        continue;
      }
      try {
        const ready = await startCell(cell, ctx, started);
        active.push({ ...ready, result });
        log(`ready ${cell.name} at ${ready.url}${ready.pids.length ? ` (pids ${ready.pids.join(', ')})` : ''}`);
      } catch (err) {
        result.skipped = `failed to start: ${err.message.split('\n')[0]}`;
        log(`skip  ${cell.name}: ${err.message}`);
      }
    }

    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? active : [...active].reverse();
      for (const cell of order) {
        const r = await measure(load, cell);
        cell.result.rounds.push(r);
        const cpuText = r.cpuUsPerReq === null ? '' : `  ${r.cpuUsPerReq.toFixed(1)} µs/req  ${r.cpuPercent.toFixed(0)}% CPU  ${r.runQueuePercent.toFixed(0)}% waiting  ${r.rssMB.toFixed(1)} MB`;
        log(`round ${round + 1}/${rounds}  ${cell.name.padEnd(21)} ${Math.round(r.rps).toString().padStart(7)} req/s  p99 ${r.p99Ms.toFixed(2)} ms${cpuText}${r.errors ? `  ${r.errors} ERRORS` : ''}`);
      }
    }
  } finally {
    // SIGTERM: Verso flushes its last usage counts before it exits, so the stores are complete.
    for (const proc of started.reverse()) await proc.stop();
    for (const cell of active) if (cell.sqlite && cell.recording !== undefined) checkUsage(cell);
    rmSync(tmp, { recursive: true, force: true });
  }

  const summary = summarize(results, targets);
  const md = markdown(summary, meta);
  log(`\n${md}`);
  for (const t of summary.targets) {
    const implied = t.cpuImplied ? `; ${t.clean} of ${rounds} rounds clean; CPU-implied ${t.cpuImplied.toFixed(3)}` : '';
    log(`${verdictOf(t)}  ${t.label}: ${t.value === null ? '–' : t.value.toFixed(3)} (goal ${t.goal}${implied})`);
  }
  const out = resolve(BENCH, opts.out);
  writeResults(out, summary, meta, md);
  log(`\nwrote ${relative(process.cwd(), out)}.json and .md`);
}

process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
await main();
