#!/usr/bin/env node
/**
 * Instructions per request: a gateway build under valgrind's callgrind, counting the instructions
 * its process executes (every thread, user space) over a fixed number of passthrough requests after
 * a warm-up. Unlike requests/s and CPU time on this shared VM it does not move with the machine's
 * load, so it tells "more work per request" apart from "the same work, run slower" (cache and
 * memory layout, which it cannot see, nor time spent in the kernel).
 *
 *   apt-get install -y valgrind && npm run build && cd bench && node instructions.mjs [--dist ../dist] [--requests 20000]
 *     [--server verso|http-proxy] [--config fixtures/passthrough.yaml] [--path /orders/ord_1] [--keep FILE]
 *
 * ~2 minutes per build (valgrind runs node ~50× slower). `--dist` takes any build's dist/ (an older
 * revision's, to compare); the gateway runs fixtures/passthrough.yaml in front of servers/origin.mjs,
 * with the passthrough cell's request (API-Version 2024-01-01, one X-Client-Id). `--server
 * http-proxy` counts the baseline (servers/http-proxy.mjs) under the same requests instead, so the
 * two can be compared as work rather than as time; `--config fixtures/translated.yaml` counts the
 * translated order instead (and `--path /orders` the list); `--keep FILE` copies the callgrind output there
 * (read it with callgrind_annotate). Bounded: every child is stopped, and the run gives up after
 * 10 minutes.
 */

import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { BENCH, ROOT } from './lib/setup.mjs';
import { freePort } from './lib/processes.mjs';

const { values: opts } = parseArgs({ options: {
  dist: { type: 'string', default: join(ROOT, 'dist') },
  requests: { type: 'string', default: '20000' },
  server: { type: 'string', default: 'verso' },
  config: { type: 'string', default: 'fixtures/passthrough.yaml' },
  path: { type: 'string', default: '/orders/ord_1' },
  keep: { type: 'string' },
} });
if (!['verso', 'http-proxy'].includes(opts.server)) throw new Error(`--server ${opts.server}: expected verso or http-proxy`);
const REQUESTS = Number(opts.requests);
const dist = resolve(opts.dist);
const dir = mkdtempSync(join(tmpdir(), 'verso-instructions-'));
const children = [];
const stop = () => { for (const c of children) c.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); };
process.on('exit', stop);
setTimeout(() => { console.error('gave up after 10 minutes'); process.exit(1); }, 600_000).unref();

const [originPort, port, adminPort] = [await freePort(), await freePort(), await freePort()];
children.push(spawn(process.execPath, [join(BENCH, 'servers/origin.mjs')], { env: { ...process.env, BENCH_PORT: String(originPort) }, stdio: 'ignore' }));
const out = join(dir, 'callgrind.out');
const program = opts.server === 'verso'
  ? [join(dist, 'gateway/cli/main.js'), 'start', '--config', resolve(BENCH, opts.config)]
  : [join(BENCH, 'servers/http-proxy.mjs')];
const gateway = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${out}`, '--smc-check=all-non-file',
  process.execPath, ...program], {
  env: { ...process.env, BENCH_PORT: String(port), BENCH_ADMIN_PORT: String(adminPort), BENCH_ORIGIN_URL: `http://127.0.0.1:${originPort}`, BENCH_SQLITE: join(dir, 'usage.db') },
  stdio: 'ignore',
});
children.push(gateway);

const url = `http://127.0.0.1:${port}${opts.path}`;
const headers = { 'api-version': '2024-01-01', 'x-client-id': 'client-00001' };
for (let i = 0; ; i++) {
  try { if ((await fetch(url, { headers })).ok) break; } catch { /* not yet */ }
  if (i > 240) throw new Error('the gateway did not answer within 2 minutes under valgrind');
  await new Promise((r) => setTimeout(r, 500));
}
await autocannon({ url, connections: 4, amount: REQUESTS, headers });   // warm-up, not counted
execFileSync('callgrind_control', ['-i', 'on', String(gateway.pid)], { stdio: 'ignore' });
const run = await autocannon({ url, connections: 4, amount: REQUESTS, headers });
execFileSync('callgrind_control', ['-d', String(gateway.pid)], { stdio: 'ignore' });
const dump = readdirSync(dir).find((f) => f.startsWith('callgrind.out.'));
const total = Number(/^summary: (\d+)/m.exec(readFileSync(join(dir, dump), 'utf8'))?.[1] ?? /^totals: (\d+)/m.exec(readFileSync(join(dir, dump), 'utf8'))?.[1]);
if (run.non2xx > 0 || run.errors > 0) throw new Error(`${run.non2xx} non-2xx answers, ${run.errors} errors`);
if (opts.keep) copyFileSync(join(dir, dump), resolve(opts.keep));
console.log(`${opts.server === 'verso' ? dist : 'bare @fastify/http-proxy'}: ${run.requests.total} requests, ${Math.round(total / run.requests.total).toLocaleString('en')} instructions per request`);
process.exit(0);
