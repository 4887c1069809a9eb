import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildChangelog } from '../../gateway/translate/generate/changelog.js';
import { versionDocument } from '../../gateway/translate/generate/openapi-out.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { loadConfigFile } from '../../gateway/config/load.js';
import { startTestGateway, type TestGateway } from '../helpers/servers.js';
import { DEMO_CHANGELOG } from '../helpers/demo-model.js';

// The demo's gateway.yaml as it is (lifecycle, aliases, translation); the test helper sets the ports.
const DEMO_YAML = readFileSync('gateway.yaml', 'utf8').replace(/^(listen|admin):\n(?: {2}.*\n)+/gm, '');
const SUPPORTED = ['2023-06-01', '2024-01-01', '2024-09-01', '2025-06-01'];
const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const swaggerVersion = JSON.parse(readFileSync(join(swaggerDir, 'package.json'), 'utf8')).version as string;

let gw: TestGateway;
const config = loadConfigFile('gateway.yaml', { env: { ...process.env, DEMO_UPSTREAM_URL: '' } });
const translator = (await loadTranslator(config))!;

beforeAll(async () => {
  gw = await startTestGateway(DEMO_YAML, { translator });
});
afterAll(() => gw?.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, gw.adminUrl), { headers, redirect: 'manual' });

describe('GET /openapi', () => {
  it('lists every version\'s document and reference, newest first', async () => {
    const res = await get('/openapi');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      head: '2025-06-01',
      versions: [
        { version: '2025-06-01', aliases: ['v4'], head: true, document: '/openapi/2025-06-01.json', reference: '/docs/2025-06-01' },
        { version: '2024-09-01', aliases: ['v3'], head: false, document: '/openapi/2024-09-01.json', reference: '/docs/2024-09-01' },
        { version: '2024-01-01', aliases: ['v2'], head: false, deprecated: '2025-06-01', sunset: '2027-01-31', document: '/openapi/2024-01-01.json', reference: '/docs/2024-01-01' },
        { version: '2023-06-01', aliases: ['v1'], head: false, deprecated: '2024-06-01', sunset: '2025-12-31', document: '/openapi/2023-06-01.json', reference: '/docs/2023-06-01' },
      ],
    });
  });
});

describe('GET /openapi/{version}.json', () => {
  it('serves the version\'s document, the same text verso spec prints', async () => {
    const res = await get('/openapi/2024-01-01.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await res.text();
    expect(text).toBe(JSON.stringify(versionDocument(translator.model, '2024-01-01', { config }), null, 2));
    const doc = JSON.parse(text);
    expect(doc.info.version).toBe('2024-01-01');
    expect(doc.components.schemas.Order.properties.amount.type).toBe('string');
    expect(doc.components.schemas.Order.properties.customer.type).toBe('string');
  });

  it('resolves an alias or a date to the version, naming it in Content-Location', async () => {
    const [byId, byAlias, byDate] = await Promise.all(['/openapi/2024-01-01.json', '/openapi/v2.json', '/openapi/2024-08-31.json'].map((path) => get(path)));
    expect(byAlias.headers.get('content-location')).toBe('/openapi/2024-01-01.json');
    expect(byDate.headers.get('content-location')).toBe('/openapi/2024-01-01.json');
    const text = await byId.text();
    expect(await byAlias.text()).toBe(text);
    expect(await byDate.text()).toBe(text);
  });

  it('serves YAML at .yaml', async () => {
    const res = await get('/openapi/v3.yaml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    expect(YAML.parse(await res.text(), { version: '1.1' })).toEqual(versionDocument(translator.model, '2024-09-01', { config }));
  });

  it('answers 404 problem+json listing the supported versions for an unknown one', async () => {
    const res = await get('/openapi/v9.json');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await res.json()).toEqual({
      type: 'https://verso.dev/problems/no-document',
      title: 'No such document',
      status: 404,
      detail: `No document for version "v9". Supported versions: ${SUPPORTED.join(', ')}.`,
      code: 'VERSO_NO_DOCUMENT',
      supported_versions: SUPPORTED,
      request_id: expect.any(String),
    });
    const other = await get('/openapi/2024-01-01.xml');
    expect(other.status).toBe(404);
    expect((await other.json()).detail).toBe(`Ask for /openapi/{version}.json or /openapi/{version}.yaml. Supported versions: ${SUPPORTED.join(', ')}.`);
  });
});

describe('GET /docs', () => {
  it('redirects to the latest version\'s reference, and an alias to its id', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/docs/2025-06-01');
    const alias = await get('/docs/v2');
    expect(alias.status).toBe(302);
    expect(alias.headers.get('location')).toBe('/docs/2024-01-01');
  });

  it('serves an HTML page that renders the version\'s document with Swagger UI from the gateway itself', async () => {
    const res = await get('/docs/2024-01-01');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<title>Shop API 2024-01-01 — API reference</title>');
    expect(html).toContain(`<link rel="stylesheet" href="assets/swagger-ui.css?v=${swaggerVersion}">`);
    expect(html).toContain(`<script src="assets/swagger-ui-bundle.js?v=${swaggerVersion}"></script>`);
    expect(html).toContain('<script src="assets/verso-docs.js"></script>');
    expect(html).toContain('<div id="swagger-ui" data-url="../openapi/2024-01-01.json"></div>');
    expect(html).toContain('<a href="2024-01-01" aria-current="page">2024-01-01');
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
    expect(html).not.toMatch(/<script>/); // no inline script

    const page = new URL('/docs/2024-01-01', gw.adminUrl);
    const urls = [...html.matchAll(/(?:src|href|data-url)="([^"]+)"/g)].map((m) => new URL(m[1], page));
    const types: Record<string, string> = {
      '/docs/assets/swagger-ui.css': 'text/css; charset=utf-8',
      '/docs/assets/verso-docs.css': 'text/css; charset=utf-8',
      '/docs/assets/favicon-32x32.png': 'image/png',
      '/docs/assets/swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
      '/docs/assets/verso-docs.js': 'text/javascript; charset=utf-8',
      '/openapi/2024-01-01.json': 'application/json; charset=utf-8',
    };
    for (const path of Object.keys(types)) expect(urls.map((u) => u.pathname)).toContain(path);
    for (const url of urls.filter((u) => types[u.pathname])) {
      const asset = await fetch(url);
      expect(asset.status, url.pathname).toBe(200);
      expect(asset.headers.get('content-type'), url.pathname).toBe(types[url.pathname]);
      const body = Buffer.from(await asset.arrayBuffer());
      if (url.pathname === '/docs/assets/swagger-ui-bundle.js') {
        expect(body.length).toBe(statSync(join(swaggerDir, 'swagger-ui-bundle.js')).size);
        expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(asset.headers.get('etag')).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/); // revalidated by it once the year is up
        expect(body.toString('utf8')).toContain('SwaggerUIBundle');
      }
      if (url.pathname === '/docs/assets/verso-docs.js') {
        expect(body.toString('utf8')).toContain("url: root.getAttribute('data-url')");
        expect(body.toString('utf8')).toContain('validatorUrl: null');
      }
    }
  });

  it('serves only the files the page uses', async () => {
    for (const path of ['/docs/assets/package.json', '/docs/assets/..%2Fpackage.json', '/docs/assets/index.html', '/docs/assets/constructor']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json; charset=utf-8');
    }
  });

  it('answers 404 for an unknown version', async () => {
    const res = await get('/docs/2020-01-01');
    expect(res.status).toBe(404);
    expect((await res.json()).supported_versions).toEqual(SUPPORTED);
  });
});

describe('GET /changelog', () => {
  it('serves Markdown by default, the same text verso changelog prints', async () => {
    const res = await get('/changelog');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(res.headers.get('vary')).toBe('Accept');
    expect(await res.text()).toBe(DEMO_CHANGELOG);
    const browser = await get('/changelog', { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
    expect(browser.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
  });

  it('serves JSON for Accept: application/json', async () => {
    const res = await get('/changelog', { accept: 'application/json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(buildChangelog(translator.model, config))));
    const preferred = await get('/changelog', { accept: 'text/markdown;q=0.5, application/json' });
    expect(preferred.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});

describe('without translation configured', () => {
  it('answers 404 problem+json saying there are no generated documents', async () => {
    const plain = await startTestGateway(DEMO_YAML.replace(/^translation:\n(?: {2}.*\n)+/m, ''));
    try {
      for (const path of ['/openapi', '/openapi/v2.json', '/docs/v2', '/changelog']) {
        const res = await fetch(new URL(path, plain.adminUrl));
        expect(res.status, path).toBe(404);
        expect((await res.json()).detail, path).toBe(`${resolve('test.yaml')} has no translation section (translation.spec and translation.changes), so there are no generated documents.`);
      }
    } finally {
      await plain.close();
    }
  });
});
