/**
 * The load generator: wrk when installed (C, one thread is enough to saturate a Node proxy on
 * another core), else autocannon from bench/node_modules (Node: slower, so the direct-to-origin
 * cell is then bounded by the generator, not the origin). Both run as a child pinned to the
 * load core and report { requests, seconds, rps, p99Ms, errors }.
 *
 * `clients: { header, count, format }` varies one header per request, cycling through `count`
 * values (`format` with a `%05d` for the index: `client-%05d` gives client-00000, client-00001, …),
 * from the value numbered `start` (default 0):
 * wrk through lib/clients.lua (requests formatted once, up front), autocannon through its API
 * (lib/autocannon-clients.mjs).
 */

import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pinnedCommand } from './processes.mjs';

const require = createRequire(import.meta.url);
const CLIENTS_LUA = fileURLToPath(new URL('./clients.lua', import.meta.url));
const AUTOCANNON_CLIENTS = fileURLToPath(new URL('./autocannon-clients.mjs', import.meta.url));

/** The `k`th value of a `clients.format` such as `client-%05d` (the same text wrk's Lua string.format makes). */
export function clientId(format, k) {
  return format.replace(/%(0?)(\d*)d/, (_, zero, width) => String(k).padStart(Number(width || 0), zero ? '0' : ' '));
}

/** Pick the generator: `prefer` ('wrk' | 'autocannon' | undefined = wrk if present). */
export function loadGenerator(prefer) {
  const wrk = wrkVersion();
  if (prefer === 'wrk' && !wrk) throw new Error('wrk is not installed (Debian: apt-get install -y wrk)');
  if (prefer !== 'autocannon' && wrk) return { name: 'wrk', version: wrk, run: runWrk };
  let script;
  try {
    script = require.resolve('autocannon/autocannon.js');
  } catch {
    throw new Error('neither wrk nor autocannon found: apt-get install -y wrk, or cd bench && npm install');
  }
  const { version } = require('autocannon/package.json');
  return { name: 'autocannon', version: `autocannon ${version}`, run: (opts) => runAutocannon(script, opts) };
}

function wrkVersion() {
  try {
    // `wrk -v` prints its banner and exits 1.
    execFileSync('wrk', ['-v'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const banner = `${err.stdout ?? ''}${err.stderr ?? ''}`.split('\n')[0].trim();
    return banner.startsWith('wrk') ? banner.replace(/\s+Copyright.*/, '') : undefined;
  }
  return undefined;
}

function run(core, cmd, args, env = {}) {
  const [file, argv] = pinnedCommand(core, cmd, args);
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    child.on('error', reject);
    // 'close', not 'exit': the process can exit before its output has been read, which left `out`
    // empty now and then ("cannot read wrk output").
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err || out}`))));
  });
}

const TIME_UNITS = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

function toMs(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`cannot read wrk time "${text}"`);
  return Number(m[1]) * TIME_UNITS[m[2]];
}

/**
 * `clients.script`: another wrk script taking the same arguments (lib/mix.lua).
 * @param {{ url: string, headers: Record<string,string>, clients?: { header: string, count: number, format: string, start?: number, script?: string }, connections: number, seconds: number, core: number }} o
 */
async function runWrk({ url, headers, clients, connections, seconds, core, method, body }) {
  if ((method || body) && !clients) throw new Error('a POST cell needs clients (lib/clients.lua sends its method and body)');
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  if (clients) args.push('-s', clients.script ?? CLIENTS_LUA);
  const env = { ...(method ? { BENCH_METHOD: method } : {}), ...(body ? { BENCH_BODY: body } : {}) };
  const out = await run(core, 'wrk', [...args, url, ...(clients ? ['--', String(clients.count), clients.header, clients.format, String(clients.start ?? 0)] : [])], env);
  const total = /(\d+) requests in ([\d.]+\w+),/.exec(out);
  const p99 = /^\s*99%\s+(\S+)/m.exec(out);
  if (!total || !p99) throw new Error(`cannot read wrk output:\n${out}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const requests = Number(total[1]);
  const secs = toMs(total[2]) / 1000;
  return {
    requests,
    seconds: secs,
    rps: requests / secs,
    p99Ms: toMs(p99[1]),
    errors: non2xx + (socket ? socket.slice(1).reduce((a, n) => a + Number(n), 0) : 0),
  };
}

async function runAutocannon(script, { url, headers, clients, connections, seconds, core, method }) {
  if (method) throw new Error('POST cells need wrk (apt-get install -y wrk)');
  const args = [script, '-c', String(connections), '-d', String(seconds), '-j', '--timeout', '5'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  const r = JSON.parse(clients
    ? await run(core, process.execPath, [AUTOCANNON_CLIENTS, JSON.stringify({ url, connections, seconds, headers, clients })])
    : await run(core, process.execPath, [...args, url]));
  const requests = r['2xx'] + r.non2xx;
  return {
    requests,
    seconds: r.duration,
    rps: requests / r.duration,
    p99Ms: r.latency.p99,
    errors: r.non2xx + r.errors + r.timeouts,
  };
}
