/**
 * The usage dashboard on the admin listener: one HTML page, its ES modules and stylesheet
 * (gateway/admin/dashboard/), plus Chart.js served from node_modules, never a CDN: the machines
 * that run the gateway may be offline. The page holds no data; its modules read the admin usage
 * API (usage-routes.ts) with the admin token when one is configured, so these routes are served
 * without it.
 *
 *   GET /dashboard                              the page
 *   GET /dashboard/{name}.js, /dashboard/app.css its modules (app.js the entry) and styles
 *   GET /dashboard/vendor/chart.umd.js          Chart.js's UMD build (and its source map)
 *
 * The files are served by @fastify/static (ETag, Last-Modified, HEAD, ranges). The page is
 * rendered once, at registration, and asks for the entry module, the stylesheet and Chart.js with
 * `?v=<content hash>`: under its current hash a file is cached for a year, so a new build is a
 * new URL. Anything else (the modules the entry imports, a stale hash) is `no-cache`, revalidated
 * by its ETag; the page itself is `no-cache` too.
 */

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { problemSender } from '../respond.js';

export interface DashboardOptions {
  /** `problems.baseUrl` from the config, for the 500 a broken install answers with. */
  problemsBaseUrl?: string;
  /** Where index.html, app.js and app.css are (default: found next to this module, see below). */
  assetDir?: string;
}

/** What the page needs; the 500 names what is missing. */
const REQUIRED = ['index.html', 'app.js', 'app.css'];

/** The dashboard's own files that are served: its modules and styles (not index.html, a template, nor tsconfig.json). */
const OWN_ASSET = /^\/[a-z0-9-]+\.(js|css)$/;
const CHART_FILES = new Set(['/chart.umd.js', '/chart.umd.js.map']);

/** RFC 9239 names JavaScript text/javascript (the mime table @fastify/send uses still says application/javascript). */
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const LONG_CACHE = 'public, max-age=31536000, immutable';

/**
 * The page only talks to its own origin and runs no inline script or style, so a strict policy
 * costs nothing and limits what a mistake in escaping could do. Chart.js sets canvas sizes
 * through the CSSOM, which `style-src 'self'` allows.
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The folder holding the static files. tsc compiles only .ts, so from source (tsx) they sit next
 * to this module in ./dashboard/; from dist/gateway/admin/dashboard.js they are still in the
 * source tree, three levels up; in the container image the Dockerfile copies the folder next to
 * the compiled module (/app/gateway/admin/dashboard/).
 */
export function dashboardAssetDir(): string | undefined {
  const candidates = [new URL('./dashboard/', import.meta.url), new URL('../../../gateway/admin/dashboard/', import.meta.url)];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/** Chart.js's self-contained UMD build (the ESM build imports a chunk and @kurkle/color). */
export function chartJsFile(): string | undefined {
  try {
    // The package's exports name only its entry points; the UMD file sits beside the CommonJS one.
    const main = createRequire(import.meta.url).resolve('chart.js');
    const file = join(dirname(main), 'chart.umd.js');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

const hashOf = (body: Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 12);

export function registerDashboard(admin: FastifyInstance, options: DashboardOptions = {}): void {
  const problemsBaseUrl = options.problemsBaseUrl ?? 'https://verso.dev/problems/';
  const dir = options.assetDir ?? dashboardAssetDir();
  const chartFile = chartJsFile();

  const missing: string[] = [];
  for (const name of REQUIRED) {
    const path = dir && join(dir, name);
    if (!path || !existsSync(path)) missing.push(dir ? path! : `gateway/admin/dashboard/${name}`);
  }
  if (!chartFile) missing.push('node_modules/chart.js/dist/chart.umd.js (install the gateway\'s dependencies: npm ci)');

  // A broken install must not stop the proxy: the dashboard answers 500 naming what is missing.
  if (missing.length > 0) {
    admin.log.error({ missing }, 'dashboard files missing; GET /dashboard answers 500');
    const sendProblem = problemSender(problemsBaseUrl);
    const broken = (reply: FastifyReply) => sendProblem(reply, 'VERSO_INTERNAL', `The dashboard's files are missing: ${missing.join(', ')}. Container images must copy gateway/admin/dashboard/ next to the compiled gateway/admin/dashboard.js.`);
    admin.get('/dashboard', async (_request, reply) => broken(reply));
    return;
  }

  // Content hashes of what the page names with ?v=, by the absolute path @fastify/static serves.
  const versions = new Map<string, string>();
  const versionOf = (file: string) => {
    const version = hashOf(readFileSync(file));
    versions.set(file, version);
    return version;
  };
  for (const name of readdirSync(dir!)) if (OWN_ASSET.test(`/${name}`)) versionOf(join(dir!, name));
  const page = readFileSync(join(dir!, 'index.html'), 'utf8')
    .replaceAll('{{app.css}}', versions.get(join(dir!, 'app.css'))!)
    .replaceAll('{{app.js}}', versions.get(join(dir!, 'app.js'))!)
    .replaceAll('{{chart.js}}', versionOf(chartFile!));

  admin.get('/dashboard', async (_request, reply) => {
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(page);
  });
  // The page's relative URLs (dashboard/app.js, usage/…) assume no trailing slash.
  admin.get('/dashboard/', async (_request, reply) => reply.redirect('../dashboard', 301));

  // After @fastify/send's own headers: the type by RFC 9239, and the cache by the ?v= asked for.
  const setHeaders = (reply: FastifyReply, path: string) => {
    const type = TYPES[extname(path)];
    if (type) reply.header('content-type', type);
    const v = (reply.request.query as { v?: unknown }).v;
    reply
      .header('cache-control', v !== undefined && v === versions.get(path) ? LONG_CACHE : 'no-cache')
      .header('x-content-type-options', 'nosniff');
  };
  const common = { decorateReply: false, index: false, cacheControl: false, setHeaders } as const;
  admin.register(fastifyStatic, { ...common, root: dir!, prefix: '/dashboard/', allowedPath: (path) => OWN_ASSET.test(path) });
  admin.register(fastifyStatic, { ...common, root: dirname(chartFile!), prefix: '/dashboard/vendor/', allowedPath: (path) => CHART_FILES.has(path) });
}
