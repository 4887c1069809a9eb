import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardAssetDir, registerDashboard } from '../../gateway/admin/dashboard.js';

const chartUmd = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
const SOURCE_DIR = 'gateway/admin/dashboard';

let admin: FastifyInstance;
let html: string;

beforeAll(async () => {
  admin = Fastify();
  registerDashboard(admin);
  await admin.ready();
  html = (await admin.inject('/dashboard')).body;
});
afterAll(() => admin?.close());

/** The asset URLs the page names, in order: [stylesheet, chart library, script]. */
function assetUrls(page: string): string[] {
  return [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u.startsWith('#') && !u.startsWith('data:'));
}

describe('GET /dashboard', () => {
  it('serves the page as HTML that is revalidated on every load, under a strict content security policy', async () => {
    const res = await admin.inject('/dashboard');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('<title>Version usage · Verso</title>');
  });

  it('names its stylesheet, the chart library and its script by relative URLs carrying content hashes', () => {
    const urls = assetUrls(html);
    expect(urls).toEqual([
      expect.stringMatching(/^dashboard\/app\.css\?v=[0-9a-f]{12}$/),
      expect.stringMatching(/^dashboard\/vendor\/chart\.umd\.js\?v=[0-9a-f]{12}$/),
      expect.stringMatching(/^dashboard\/app\.js\?v=[0-9a-f]{12}$/),
    ]);
    expect(html).not.toContain('{{');
  });

  it('redirects /dashboard/ to /dashboard, where the relative URLs hold', async () => {
    const res = await admin.inject('/dashboard/');
    expect(res.statusCode).toBe(301);
    expect(new URL(res.headers.location!, 'http://admin/dashboard/').pathname).toBe('/dashboard');
  });
});

describe('dashboard assets', () => {
  it('serves the script and the stylesheet with their types, cached for a year under their hashed URL', async () => {
    const [css, , js] = assetUrls(html);
    const script = await admin.inject(`/${js}`);
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.body).toBe(readFileSync(join(SOURCE_DIR, 'app.js'), 'utf8'));

    const style = await admin.inject(`/${css}`);
    expect(style.statusCode).toBe(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(style.body).toBe(readFileSync(join(SOURCE_DIR, 'app.css'), 'utf8'));
  });

  it('serves the chart library as the very file chart.js ships in node_modules', async () => {
    const [, chart] = assetUrls(html);
    const res = await admin.inject(`/${chart}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.rawPayload.equals(readFileSync(chartUmd))).toBe(true);
    expect(res.body.slice(0, 200)).toMatch(/Chart\.js v4\./);
  });

  it('serves every module the entry imports, as JavaScript, revalidated by its ETag', async () => {
    const seen = new Set<string>();
    const queue = ['app.js'];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const res = await admin.inject(`/dashboard/${name}`);
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['content-type'], name).toBe('text/javascript; charset=utf-8');
      expect(res.headers['cache-control'], name).toBe('no-cache');
      expect(res.headers.etag, name).toBeTruthy();
      expect(res.body, name).toBe(readFileSync(join(SOURCE_DIR, name), 'utf8'));
      for (const m of res.body.matchAll(/^import [^'"]*'\.\/([a-z0-9-]+\.js)';$/gm)) queue.push(m[1]);
    }
    expect([...seen].sort()).toEqual(readdirSync(SOURCE_DIR).filter((f) => f.endsWith('.js')).sort());
    const again = await admin.inject({ url: '/dashboard/app.js', headers: { 'if-none-match': (await admin.inject('/dashboard/app.js')).headers.etag as string } });
    expect(again.statusCode).toBe(304);
  });

  it('serves only its modules and styles, not the page template or the type-checking config', async () => {
    for (const path of ['/dashboard/index.html', '/dashboard/tsconfig.json', '/dashboard/vendor/package.json', '/dashboard/vendor/chart.js', '/dashboard/..%2Fdashboard.ts']) {
      expect((await admin.inject(path)).statusCode, path).toBe(404);
    }
  });

  it('does not let a stale or missing hash be cached for long', async () => {
    for (const path of ['/dashboard/app.js', '/dashboard/app.js?v=000000000000', '/dashboard/vendor/chart.umd.js']) {
      const res = await admin.inject(path);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves the chart library\'s source map where its sourceMappingURL points', async () => {
    const chart = readFileSync(chartUmd, 'utf8');
    const mapName = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(chart)![1];
    const res = await admin.inject(`/dashboard/vendor/${mapName}`);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).version).toBe(3);
  });
});

describe('the page works offline and never writes API data as HTML', () => {
  const own = (): Record<string, string> => ({
    'index.html': html,
    ...Object.fromEntries(readdirSync(SOURCE_DIR).filter((f) => /\.(js|css)$/.test(f)).map((f) => [f, readFileSync(join(SOURCE_DIR, f), 'utf8')])),
  });

  it('names no external URL in its HTML, script or styles', () => {
    for (const [name, text] of Object.entries(own())) {
      expect(text, name).not.toMatch(/https?:\/\//i);
      expect(text, name).not.toMatch(/(?:src|href)\s*=\s*["']?\s*\/\//i);
      expect(text, name).not.toMatch(/@import|url\(\s*["']?(?!data:)[a-z]+:/i);
    }
  });

  it('loads scripts only from the gateway: every src= is a relative dashboard/ URL', () => {
    const sources = [...html.matchAll(/src\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
    expect(sources.length).toBe(2);
    for (const src of sources) expect(src).toMatch(/^dashboard\//);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i); // no inline script
    expect(html).not.toMatch(/\son[a-z]+\s*=/i); // no inline handlers
  });

  it('builds the DOM with textContent: no innerHTML, outerHTML, insertAdjacentHTML or document.write', () => {
    for (const [name, text] of Object.entries(own()).filter(([f]) => f.endsWith('.js'))) {
      expect(text, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    }
  });

  it('type-checks every module: each starts with // @ts-check', () => {
    for (const [name, text] of Object.entries(own()).filter(([f]) => f.endsWith('.js'))) expect(text.startsWith('// @ts-check\n'), name).toBe(true);
  });
});

describe('a broken install', () => {
  it('answers 500 naming the missing folder, and the admin listener still starts', async () => {
    const broken = Fastify({ logger: false });
    registerDashboard(broken, { assetDir: '/nonexistent/dashboard', problemsBaseUrl: 'https://errors.example/' });
    await broken.ready();
    const res = await broken.inject('/dashboard');
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ type: 'https://errors.example/internal', code: 'VERSO_INTERNAL' });
    expect(body.detail).toContain('/nonexistent/dashboard/index.html');
    await broken.close();
  });

  it('finds the static files next to the module when running from source', () => {
    expect(dashboardAssetDir()).toBe(join(process.cwd(), SOURCE_DIR) + '/');
  });
});
