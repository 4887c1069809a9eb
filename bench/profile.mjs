#!/usr/bin/env node
/**
 * CPU profile of one or more cells under the same load as e2e.mjs: the server runs with
 * `node --cpu-prof` on the proxy core, takes warm-up plus measured load, is stopped, and its
 * profile is summarised: time by owner (Verso's gateway/, each package, Node internals, GC), the
 * hottest functions, and Verso's functions by inclusive time.
 *
 *   npm run build && cd bench && node profile.mjs verso http-proxy [--duration 10] [--top 20] [--out results/profile]
 *                                 [--clients 10000]   (distinct X-Client-Id values; default CLIENTS of cells.mjs, 100)
 *
 * Profiles go to results/profiles/ (git-ignored; open them in Chrome DevTools), the summary to
 * results/profile.md (or --out). Only Node cells can be profiled.
 */

import { mkdirSync, readdirSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cells, CLIENTS, HEADERS, PATH } from './cells.mjs';
import { analyse, profileMarkdown } from './lib/cpuprofile.mjs';
import { loadGenerator } from './lib/load.mjs';
import { pinSelf } from './lib/processes.mjs';
import { BENCH, CORES, gitRevision, startCell, startOrigin, versoBuild } from './lib/setup.mjs';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    top: { type: 'string', default: '20' },
    interval: { type: 'string', default: '250', description: 'sampling interval, µs' },
    load: { type: 'string' },
    verso: { type: 'string', default: 'dist' },
    out: { type: 'string', default: 'results/profile' },
    clients: { type: 'string' },
  },
});
const log = (line) => process.stdout.write(`${line}\n`);
const names = positionals.length > 0 ? positionals : ['verso'];
const clients = opts.clients ? { ...CLIENTS, count: Number(opts.clients) } : CLIENTS;

pinSelf(CORES.load);
const load = loadGenerator(opts.load);
const verso = versoBuild(opts.verso, log);
const dir = join(BENCH, 'results/profiles');
mkdirSync(dir, { recursive: true });
process.env.BENCH_EXIT_ON_SIGTERM = '1';
process.env.BENCH_DEADLINE_MS = String((names.length * (Number(opts.duration) + Number(opts.warmup) + 10) + 300) * 1000);

const started = [];
const sections = [];
const tmp = mkdtempSync(join(os.tmpdir(), 'verso-profile-'));
try {
  const origin = await startOrigin(started);
  for (const name of names) {
    const cell = cells.find((c) => c.name === name);
    if (!cell) throw new Error(`no cell named ${name}; cells: ${cells.map((c) => c.name).join(', ')}`);
    const out = join(dir, name);
    rmSync(out, { recursive: true, force: true });
    const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', out, '--cpu-prof-interval', opts.interval];
    const ctx = { origin, cores: CORES, tmp, nginx: undefined, verso, nodeArgs };
    const ready = await startCell(cell, ctx, started);
    if (!ready.proc) throw new Error(`${name} has no process of its own to profile`);
    const request = { url: ready.url + (cell.path ?? PATH), headers: cell.headers ?? HEADERS, clients: cell.clients === undefined ? clients : cell.clients ?? undefined, connections: Number(opts.connections), core: CORES.load, method: cell.method, body: cell.body };
    const w = await load.run({ ...request, seconds: Number(opts.warmup) });
    const r = await load.run({ ...request, seconds: Number(opts.duration) });
    log(`${name}: ${Math.round(r.rps)} req/s under the profiler (slower than unprofiled)`);
    await ready.proc.stop(15_000);
    const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`${name} wrote no profile in ${out}`);
    sections.push(profileMarkdown(`${name} (${Math.round(r.rps)} req/s profiled; ${join('results/profiles', name, file)})`, analyse(join(out, file)), Number(opts.top), w.requests + r.requests));
  }
} finally {
  for (const proc of started.reverse()) await proc.stop();
  rmSync(tmp, { recursive: true, force: true });
}

const md = `CPU profiles, ${new Date().toISOString()}, revision ${gitRevision()}, Verso from ${verso.mode}, ${clients.count} distinct ${clients.header} values\n\n${sections.join('\n')}`;
writeFileSync(resolve(BENCH, `${opts.out}.md`), md);
log(`\n${md}\nwrote ${opts.out}.md`);
