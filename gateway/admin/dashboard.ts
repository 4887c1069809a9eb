/**
 * The usage dashboard on the admin listener: one HTML page, one ES module script and one
 * stylesheet (gateway/admin/dashboard/), plus Chart.js served from node_modules, never a CDN: the
 * machines that run the gateway may be offline. The page holds no data; its script reads the
 * admin usage API (usage-routes.ts) with the admin token when one is configured, so these routes
 * are served without it.
 *
 *   GET /dashboard                              the page
 *   GET /dashboard/app.js, /dashboard/app.css   its script and styles
 *   GET /dashboard/vendor/chart.js              Chart.js's UMD build (and its source map)
 *
 * The static files are read once, at registration. The page asks for each asset with
 * `?v=<content hash>`, so assets are cached for a year and a new build is a new URL; the page
 * itself is `no-cache`.
 */

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problem } from '../errors.js';

export interface DashboardOptions {
  /** `problems.baseUrl` from the config, for the 500 a broken install answers with. */
  problemsBaseUrl?: string;
  /** Where index.html, app.js and app.css are (default: found next to this module, see below). */
  assetDir?: string;
}

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;

type FileName = keyof typeof FILES;

interface Asset { type: string; body: Buffer; version: string }

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

function asset(type: string, body: Buffer): Asset {
  return { type, body, version: hashOf(body) };
}

export function registerDashboard(admin: FastifyInstance, options: DashboardOptions = {}): void {
  const problemsBaseUrl = options.problemsBaseUrl ?? 'https://verso.dev/problems/';
  const dir = options.assetDir ?? dashboardAssetDir();
  const chartFile = chartJsFile();

  const files = new Map<FileName, Asset>();
  const missing: string[] = [];
  for (const [name, type] of Object.entries(FILES) as [FileName, string][]) {
    const path = dir && join(dir, name);
    if (path && existsSync(path)) files.set(name, asset(type, readFileSync(path)));
    else missing.push(dir ? path! : `gateway/admin/dashboard/${name}`);
  }
  const chart = chartFile ? asset('text/javascript; charset=utf-8', readFileSync(chartFile)) : undefined;
  if (!chart) missing.push('node_modules/chart.js/dist/chart.umd.js (install the gateway\'s dependencies: npm ci)');
  const chartMap = chartFile && existsSync(`${chartFile}.map`) ? `${chartFile}.map` : undefined;

  // A broken install must not stop the proxy: the dashboard answers 500 naming what is missing.
  if (missing.length > 0) admin.log.error({ missing }, 'dashboard files missing; GET /dashboard answers 500');

  const broken = (reply: FastifyReply) => {
    const body = problem(problemsBaseUrl, 'VERSO_INTERNAL', `The dashboard's files are missing: ${missing.join(', ')}. Container images must copy gateway/admin/dashboard/ next to the compiled gateway/admin/dashboard.js.`, { request_id: reply.request.id });
    return reply.code(500).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  };

  // Asset URLs carry the content hash; a stale or missing ?v= is still served, just not cached.
  const sendAsset = (reply: FastifyReply, item: Asset | undefined, v: unknown) => {
    if (!item) return broken(reply);
    return reply
      .type(item.type)
      .header('cache-control', v === item.version ? LONG_CACHE : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(item.body);
  };

  const page = files.get('index.html') && files.get('app.js') && files.get('app.css') && chart
    ? files.get('index.html')!.body.toString('utf8')
      .replaceAll('{{app.css}}', files.get('app.css')!.version)
      .replaceAll('{{app.js}}', files.get('app.js')!.version)
      .replaceAll('{{chart.js}}', chart.version)
    : undefined;

  admin.get('/dashboard', async (_request, reply) => {
    if (!page) return broken(reply);
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

  type AssetRequest = { Querystring: { v?: string } };
  admin.get<AssetRequest>('/dashboard/app.js', async (request, reply) => sendAsset(reply, files.get('app.js'), request.query.v));
  admin.get<AssetRequest>('/dashboard/app.css', async (request, reply) => sendAsset(reply, files.get('app.css'), request.query.v));
  admin.get<AssetRequest>('/dashboard/vendor/chart.js', async (request, reply) => sendAsset(reply, chart, request.query.v));

  // chart.umd.js ends with `//# sourceMappingURL=chart.umd.js.map`, relative to where it is served.
  admin.get('/dashboard/vendor/chart.umd.js.map', async (_request, reply) => {
    if (!chartMap) return reply.code(404).send();
    return reply
      .type('application/json; charset=utf-8')
      .header('content-length', statSync(chartMap).size)
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(chartMap));
  });
}
