#!/usr/bin/env node
/**
 * Paired comparison of two cells: both servers run on the proxy core AT THE SAME TIME, each under
 * its own load generator (same request, same connections), for several rounds. Both are always
 * runnable, so the kernel's scheduler gives each about half of the core; whichever costs less CPU
 * per request serves more, and the throughput ratio is the inverse ratio of their costs. Whatever
 * else runs on the machine slows both alike, which e2e.mjs's one-after-the-other cells cannot
 * promise: on this shared VM a ratio of two sequential cells moves ±10% from round to round, a
 * paired ratio ±2–3% (check with an A/A run: the same cell twice).
 *
 * Two server processes of the same code can differ by a few per cent for their whole life (JIT
 * decisions, where their memory landed), which a single pair would report as a difference between
 * the cells: `--pairs N` starts N fresh pairs, one after the other (alternating which starts
 * first), each measured for --rounds rounds, and the verdict is the median over all rounds.
 *
 *   npm run build && cd bench && node paired.mjs verso verso-no-recording              # npm run paired:recording
 *   node paired.mjs verso verso-no-recording --clients 10000
 *   node paired.mjs verso-no-recording verso-no-recording                              # A/A: the method's own noise
 *   node paired.mjs A B [--pairs 3] [--rounds 2] [--duration 15] [--warmup 3] [--connections 32] [--clients 100]
 *                       [--load wrk|autocannon] [--verso dist|tsx] [--out results/paired] [--cells experiments/x.mjs]
 *
 * Reports, per round and as the median with the range: A / B throughput, and the same from CPU
 * per request (B µs ÷ A µs, all threads, /proc). Not a replacement for e2e.mjs (which measures
 * each server with a core of its own): a check of one ratio when the sequential one is noisy.
 *
 * `--turns` keeps the fresh pairs but gives the core to one server at a time, as e2e.mjs and the
 * DESIGN anchors do (the proxy alone on its core): a round of --duration seconds per server loads A
 * alone and B alone in turns of --slice seconds (default 1), A B | B A | A B …, both processes alive
 * and pinned to the proxy core throughout; each server's requests and CPU are summed over its turns.
 * Two different programs sharing a core at once could fare unequally (each switch leaves the other
 * cold caches); turns rule that out.
 *
 *   node paired.mjs verso http-proxy --turns --pairs 6 --rounds 2 --duration 6
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { CLIENTS, HEADERS, PATH } from './cells.mjs';
import { loadGenerator } from './lib/load.mjs';
import { cpuMicros, pinSelf } from './lib/processes.mjs';
import { median } from './lib/report.mjs';
import { BENCH, CORES, gitRevision, loadAverage, startCell, startOrigin, versoBuild } from './lib/setup.mjs';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    clients: { type: 'string' },
    load: { type: 'string' },
    verso: { type: 'string', default: 'dist' },
    out: { type: 'string', default: 'results/paired' },
    // Extra Node flags for both servers, as one argument: --node-flags="--hash-seed=1 --random-seed=1".
    'node-flags': { type: 'string', default: '' },
    // Another list of cells (same exports as cells.mjs), for experiments: --cells experiments/x.mjs.
    cells: { type: 'string' },
    // One server under load at a time instead of both at once (see above).
    turns: { type: 'boolean', default: false },
    // With --turns: how long each server is loaded before the other's turn (seconds).
    slice: { type: 'string', default: '1' },
  },
});
const { cells } = await import(opts.cells ? pathToFileURL(resolve(opts.cells)).href : './cells.mjs');
if (positionals.length !== 2) throw new Error(`name two cells, e.g. node paired.mjs verso verso-no-recording; cells: ${cells.map((c) => c.name).join(', ')}`);
const pairs = Number(opts.pairs);
const rounds = Number(opts.rounds);
const seconds = Number(opts.duration);
const warmup = Number(opts.warmup);
const connections = Number(opts.connections);
const slice = Number(opts.slice);
const clients = opts.clients ? { ...CLIENTS, count: Number(opts.clients) } : CLIENTS;
const log = (line) => process.stdout.write(`${line}\n`);
const fmt = (v, digits = 0) => (v === null || v === undefined ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

async function main() {
  const cores = os.availableParallelism();
  pinSelf(CORES.load);
  const load = loadGenerator(opts.load);
  const verso = versoBuild(opts.verso, log);
  const turns = opts.turns ? 2 : 1;
  process.env.BENCH_DEADLINE_MS = String((pairs * turns * (rounds * (seconds + 2) + warmup) + pairs * 30 + 180) * 1000);
  const tmp = mkdtempSync(join(os.tmpdir(), 'verso-paired-'));
  const [a, b] = positionals.map((name, i) => {
    const cell = cells.find((c) => c.name === name);
    if (!cell) throw new Error(`no cell named ${name}; cells: ${cells.map((c) => c.name).join(', ')}`);
    return { ...cell, key: positionals[0] === positionals[1] ? `${name} #${i + 1}` : name };
  });
  const meta = {
    date: new Date().toISOString(),
    machine: `${cores} cores (${(os.cpus()[0]?.model ?? 'unknown CPU').trim()})`,
    node: process.versions.node,
    load: load.version,
    verso: verso.mode,
    revision: gitRevision(),
    loadAverageBefore: loadAverage(),
    pairs, rounds, seconds, warmup, connections, clients, nodeFlags: opts['node-flags'], turns: opts.turns, slice: opts.turns ? slice : undefined,
    command: `cd bench && node paired.mjs ${process.argv.slice(2).join(' ')}`,
  };
  log(`${meta.machine}, Node ${meta.node}, ${meta.load}; Verso: ${verso.mode}, revision ${meta.revision}`);

  const started = [];
  const results = [];
  try {
    const origin = await startOrigin(started);
    const ctx = { origin, cores: CORES, tmp, nginx: undefined, verso, nodeArgs: opts['node-flags'].split(' ').filter(Boolean) };
    for (let pair = 0; pair < pairs; pair++) {
      const servers = [];
      for (const cell of pair % 2 === 0 ? [a, b] : [b, a]) {
        if (cell.skip?.(ctx)) throw new Error(`${cell.name}: ${cell.skip(ctx)}`);
        const server = await startCell(cell, ctx, started);
        if (server.pids.length === 0) throw new Error(`${cell.name} has no process of its own on the proxy core`);
        servers.push(server);
      }
      if (pair % 2 === 1) servers.reverse();
      const request = (s) => ({ url: s.url + (s.path ?? PATH), headers: s.headers ?? HEADERS, clients: s.clients === undefined ? clients : s.clients ?? undefined, connections, core: CORES.load, method: s.method, body: s.body });
      const one = (s, secs) => load.run({ ...request(s), seconds: secs });
      const both = (secs) => Promise.all(servers.map((s) => one(s, secs)));
      /** Each server's run and CPU µs per request: both at once, or in turns (A then B, or B then A). */
      const measure = async (round) => {
        if (!opts.turns) {
          const before = servers.map((s) => cpuMicros(s.pids));
          const runs = await both(seconds);
          return { runs, cpu: servers.map((s, i) => (cpuMicros(s.pids) - before[i]) / runs[i].requests) };
        }
        // Slices of --slice seconds, A B | B A | A B …: the VM's speed wanders within seconds, and
        // alternating finely (ABBA, which cancels a steady drift) gives both servers the same mix.
        const slices = Math.max(1, Math.round(seconds / slice));
        const totals = servers.map(() => ({ requests: 0, seconds: 0, errors: 0, cpu: 0 }));
        for (let k = 0; k < slices; k++) {
          for (const i of (k + round) % 2 === 0 ? [0, 1] : [1, 0]) {
            const before = cpuMicros(servers[i].pids);
            const r = await one(servers[i], slice);
            const t = totals[i];
            t.cpu += cpuMicros(servers[i].pids) - before;
            t.requests += r.requests;
            t.seconds += r.seconds;
            t.errors += r.errors;
          }
        }
        const runs = totals.map((t) => ({ requests: t.requests, rps: t.requests / t.seconds, errors: t.errors }));
        const cpu = totals.map((t) => t.cpu / t.requests);
        return { runs, cpu };
      };
      if (warmup > 0) {
        if (opts.turns) for (const s of servers) await one(s, warmup);
        else await both(warmup);
      }
      for (let round = 0; round < rounds; round++) {
        const { runs, cpu } = await measure(round + pair);
        const r = {
          pair: pair + 1, round: round + 1,
          rps: runs.map((x) => x.rps), cpuUsPerReq: cpu, errors: runs.map((x) => x.errors),
          ratio: runs[0].rps / runs[1].rps, cpuImplied: cpu[1] / cpu[0],
        };
        results.push(r);
        log(`pair ${pair + 1}/${pairs} round ${round + 1}/${rounds}  ${a.key} ${fmt(r.rps[0])} req/s (${fmt(cpu[0], 0)} µs/req)  ${b.key} ${fmt(r.rps[1])} req/s (${fmt(cpu[1], 0)} µs/req)  ratio ${r.ratio.toFixed(3)}  CPU-implied ${r.cpuImplied.toFixed(3)}${r.errors.some(Boolean) ? `  ERRORS ${r.errors.join('/')}` : ''}`);
      }
      for (const s of servers) {
        await s.proc.stop();
        started.splice(started.indexOf(s.proc), 1);
      }
    }
  } finally {
    for (const proc of started.reverse()) await proc.stop();
    rmSync(tmp, { recursive: true, force: true });
  }

  const ratios = results.map((r) => r.ratio);
  const implied = results.map((r) => r.cpuImplied);
  const summary = {
    ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios),
    cpuImplied: median(implied), cpuImpliedMin: Math.min(...implied), cpuImpliedMax: Math.max(...implied),
  };
  const md = [
    `Paired: ${a.key} / ${b.key}, ${meta.date}`,
    '',
    `${meta.machine}; Node ${meta.node}; ${meta.load}, ${connections} connections each; ${opts.turns ? `both servers on the proxy core, loaded in turns of ${slice} s (one at a time, A B | B A …)` : 'both servers on the proxy core at once'}; ${pairs} fresh pair(s) of processes, each ${rounds} round(s) of ${seconds} s after ${warmup} s warm-up; ${clients.count} distinct ${clients.header} values${meta.nodeFlags ? `; node ${meta.nodeFlags}` : ''}; Verso from ${meta.verso}; revision ${meta.revision}; load average ${meta.loadAverageBefore} before the run.`,
    '',
    '| pair | round | A req/s | B req/s | A / B | A CPU µs/req | B CPU µs/req | CPU-implied (B µs ÷ A µs) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.pair} | ${r.round} | ${fmt(r.rps[0])} | ${fmt(r.rps[1])} | ${r.ratio.toFixed(3)} | ${fmt(r.cpuUsPerReq[0], 1)} | ${fmt(r.cpuUsPerReq[1], 1)} | ${r.cpuImplied.toFixed(3)} |`),
    '',
    `A = ${a.key} (${a.label}), B = ${b.key} (${b.label}).`,
    '',
    `**A / B throughput: ${summary.ratio.toFixed(3)}** (median of all rounds; range ${summary.ratioMin.toFixed(3)}–${summary.ratioMax.toFixed(3)}); CPU-implied ${summary.cpuImplied.toFixed(3)} (${summary.cpuImpliedMin.toFixed(3)}–${summary.cpuImpliedMax.toFixed(3)}).`,
    '',
    `Command: \`${meta.command}\``,
    '',
  ].join('\n');
  log(`\n${md}`);
  const out = resolve(BENCH, opts.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, `${JSON.stringify({ meta, a: a.key, b: b.key, rounds: results, ...summary }, null, 2)}\n`);
  writeFileSync(`${out}.md`, md);
  log(`wrote ${relative(process.cwd(), out)}.json and .md`);
}

process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
await main();
