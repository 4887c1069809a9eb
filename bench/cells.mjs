/**
 * What the end-to-end benchmark measures: a list of cells, each a server in front of the same
 * origin, and the targets checked against them. To add a cell, append an entry:
 *
 *   {
 *     name: 'verso-translated-300b',                 // key in results/latest.json
 *     label: 'Verso, 3-change chain, 300 B order',   // row label in the table
 *     path: '/orders/ord_1',                         // optional, default PATH (origin routes: servers/origin.mjs)
 *     headers: { 'API-Version': '2023-06-01' },      // optional, default HEADERS
 *     start: (ctx) => versoServer(ctx, 'fixtures/translated.yaml'),
 *     check: (res) => (res.headers.deprecation ? undefined : 'no Deprecation header'),  // optional
 *   }
 *
 * `start(ctx)` resolves to { url, proc } where proc (from lib/processes.mjs `launch`) is the
 * process whose CPU and memory are measured; null for none. `skip(ctx)` may return a reason.
 * `cpuBound: false` says the server is not expected to saturate its core (so a round in which it
 * does not is no sign of noise).
 * ctx: { origin: { url, port }, cores, tmp, nginx, verso, nodeArgs (extra Node flags for the
 * server under test, e.g. --cpu-prof from profile.mjs) }.
 */

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { freePort, launch } from './lib/processes.mjs';
import { startNginx } from './servers/nginx.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** The request every cell sends unless it says otherwise: a ~300 B order, deprecated version. */
export const PATH = '/orders/ord_1';
export const HEADERS = { 'API-Version': '2024-01-01' };

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
 * the default info level, goes to /dev/null.
 */
export async function versoServer(ctx, config, env = {}) {
  const port = await freePort();
  const adminPort = await freePort();
  const proc = launch({
    name: 'verso',
    core: ctx.cores.proxy,
    cmd: process.execPath,
    node: true,
    args: [...ctx.verso.nodeArgs, ...ctx.nodeArgs, ctx.verso.cli, 'start', '--config', here(config)],
    env: { BENCH_PORT: String(port), BENCH_ADMIN_PORT: String(adminPort), BENCH_ORIGIN_URL: ctx.origin.url, ...env },
  });
  return { url: `http://127.0.0.1:${port}`, proc };
}

const LIFECYCLE = ['api-version', 'deprecation', 'sunset', 'link'];

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
    label: 'Verso passthrough (header, deprecated, info log)',
    start: (ctx) => versoServer(ctx, 'fixtures/passthrough.yaml'),
    check: (res) => {
      const missing = LIFECYCLE.filter((h) => !res.headers[h]);
      if (missing.length > 0) return `missing response headers: ${missing.join(', ')}`;
      if (res.headers['api-version'] !== '2024-01-01') return `API-Version echoed as ${res.headers['api-version']}`;
      return undefined;
    },
  },
];

/**
 * Targets, checked on the medians. `ratio`: metric of `cell` / metric of `of`, at least `min`.
 * `value`: metric of `cell`, at most `max`. Metrics: rps, p99Ms, cpuUsPerReq, rssMB.
 */
export const targets = [
  { label: 'Verso / bare http-proxy throughput', kind: 'ratio', cell: 'verso', of: 'http-proxy', metric: 'rps', min: 0.95 },
  { label: 'Verso RSS under load (MB)', kind: 'value', cell: 'verso', metric: 'rssMB', max: 150 },
];
