import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';
import { closedPort } from '../helpers/net.js';

// Two upstreams: `shop` is probed with GET /health, `search` (no health path) with a TCP connect.
function config(shopUrl: string, searchUrl: string): string {
  return `
versions:
  - { id: "2025-06-01", aliases: [v4] }
upstreams:
  shop: { url: ${shopUrl}, health: /health }
  search: { url: ${searchUrl} }
routes:
  - { prefix: /orders, upstream: shop }
  - { prefix: /search, upstream: search }
`;
}

async function json(url: string) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

/** What readiness says about the running configuration: loaded at start-up, never reloaded here. */
const RUNNING = { file: resolve('test.yaml'), config_hash: expect.stringMatching(/^[0-9a-f]{12}$/), loaded_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) };

describe('admin health endpoints', () => {
  let shop: Origin;
  let search: Origin;
  let sick: Origin;
  let up: TestGateway;
  let down: TestGateway;
  let unhealthy: TestGateway;

  beforeAll(async () => {
    shop = await startOrigin((req, res) => res.end(req.url === '/health' ? 'ok' : 'shop'));
    search = await startOrigin();
    sick = await startOrigin((_req, res) => { res.statusCode = 500; res.end('db down'); });
    up = await startTestGateway(config(shop.url, search.url));
    down = await startTestGateway(config(`http://127.0.0.1:${await closedPort()}`, `http://127.0.0.1:${await closedPort()}`));
    unhealthy = await startTestGateway(config(sick.url, search.url));
  });
  afterAll(async () => {
    await Promise.all([up.close(), down.close(), unhealthy.close()]);
    await Promise.all([shop.close(), search.close(), sick.close()]);
  });

  it('answers /health/live with 200 {"status":"ok"} whatever the upstreams do', async () => {
    for (const gateway of [up, down]) {
      expect(await json(`${gateway.adminUrl}/health/live`)).toEqual({ status: 200, type: 'application/json; charset=utf-8', body: { status: 'ok' } });
    }
  });

  it('answers /health/ready with 200 when the health path answers and the TCP probe connects', async () => {
    const before = search.requests.length;
    expect(await json(`${up.adminUrl}/health/ready`)).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: {
        status: 'ready',
        upstreams: {
          shop: { ok: true, status: 200, latency_ms: expect.any(Number) },
          search: { ok: true, latency_ms: expect.any(Number) },
        },
        config: RUNNING,
      },
    });
    expect(shop.requests.at(-1)).toMatchObject({ method: 'GET', url: '/health' });
    // The TCP probe connects and hangs up: no HTTP request reaches an upstream without a health path.
    expect(search.requests.length).toBe(before);
  });

  it('answers /health/ready with 503 naming each upstream that cannot be reached', async () => {
    expect(await json(`${down.adminUrl}/health/ready`)).toEqual({
      status: 503,
      type: 'application/json; charset=utf-8',
      body: {
        status: 'unavailable',
        upstreams: {
          shop: { ok: false, latency_ms: expect.any(Number), error: 'ECONNREFUSED' },
          search: { ok: false, latency_ms: expect.any(Number), error: 'ECONNREFUSED' },
        },
        config: RUNNING,
      },
    });
  });

  it('answers /health/ready with 503 when the health path answers with an error status', async () => {
    expect(await json(`${unhealthy.adminUrl}/health/ready`)).toEqual({
      status: 503,
      type: 'application/json; charset=utf-8',
      body: {
        status: 'unavailable',
        upstreams: {
          shop: { ok: false, status: 500, latency_ms: expect.any(Number), error: 'health check answered 500' },
          search: { ok: true, latency_ms: expect.any(Number) },
        },
        config: RUNNING,
      },
    });
  });

  it('turns /health/ready from 200 to 503 when a running upstream goes away, naming only that one', async () => {
    const flaky = await startOrigin();
    const gateway = await startTestGateway(config(shop.url, flaky.url));
    try {
      expect((await json(`${gateway.adminUrl}/health/ready`)).status).toBe(200);
      await flaky.close();
      expect(await json(`${gateway.adminUrl}/health/ready`)).toEqual({
        status: 503,
        type: 'application/json; charset=utf-8',
        body: {
          status: 'unavailable',
          upstreams: {
            shop: { ok: true, status: 200, latency_ms: expect.any(Number) },
            search: { ok: false, latency_ms: expect.any(Number), error: 'ECONNREFUSED' },
          },
          config: RUNNING,
        },
      });
      expect(await json(`${gateway.adminUrl}/health/live`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    } finally {
      await gateway.close();
    }
  });

  it('serves health only on the admin listener, never on the public one', async () => {
    const res = await fetch(`${up.url}/health/ready`);
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe('VERSO_NOT_FOUND');
  });

  it('answers an unknown admin path or method with a problem document', async () => {
    for (const [method, path] of [['GET', '/nothing-here'], ['DELETE', '/metrics']]) {
      const res = await fetch(`${up.adminUrl}${path}?x=1`, { method });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(await res.json()).toMatchObject({
        code: 'VERSO_ADMIN_NOT_FOUND',
        type: 'https://verso.dev/problems/admin-not-found',
        detail: `The admin listener has no ${method} ${path} (its endpoints: /health, /metrics, /usage, /pins, /dashboard, /openapi, /docs, /changelog, /admin/reload).`,
      });
    }
  });
});
