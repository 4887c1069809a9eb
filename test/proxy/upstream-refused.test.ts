import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';
import { UUID, closedPort } from '../helpers/net.js';

// One route points at a port nothing listens on; the other at a healthy origin.
describe('an upstream that refuses the connection', () => {
  let origin: Origin;
  let gateway: TestGateway;

  beforeAll(async () => {
    origin = await startOrigin();
    gateway = await startTestGateway(`
versions:
  - { id: "2024-09-01", aliases: [v3] }
  - { id: "2025-06-01", aliases: [v4] }
upstreams:
  shop: { url: ${origin.url} }
  billing: { url: "http://127.0.0.1:${await closedPort()}" }
routes:
  - { prefix: /orders, upstream: shop }
  - { prefix: /invoices, upstream: billing }
`);
  });
  afterAll(async () => {
    await gateway.close();
    await origin.close();
  });

  it('answers 502 problem+json when the upstream refuses the connection and keeps serving', async () => {
    const res = await fetch(`${gateway.url}/v3/invoices/7?expand=lines`);
    expect(res.status).toBe(502);
    expect(Object.fromEntries(res.headers)).toEqual({
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': expect.any(String),
      // Still an answer in the resolved version (DESIGN.md: echo the version, Vary on its headers).
      'api-version': '2024-09-01',
      vary: 'API-Version, Accept',
      connection: 'keep-alive',
      'keep-alive': 'timeout=72',
      date: expect.any(String),
    });
    expect(await res.json()).toEqual({
      type: 'https://verso.dev/problems/bad-gateway',
      title: 'Upstream unavailable',
      status: 502,
      detail: 'The upstream "billing" could not be reached (ECONNREFUSED).',
      code: 'VERSO_BAD_GATEWAY',
      request_id: expect.stringMatching(UUID),
    });

    const next = await fetch(`${gateway.url}/orders/1`);
    expect(next.status).toBe(200);
    expect(await next.json()).toEqual({ method: 'GET', url: '/orders/1' });
  });

  it('answers 502 again on the next request to the refusing upstream (no stale state)', async () => {
    const statuses = await Promise.all([1, 2, 3].map(() => fetch(`${gateway.url}/invoices`).then(async (r) => { await r.arrayBuffer(); return r.status; })));
    expect(statuses).toEqual([502, 502, 502]);
    expect(origin.requests.map((r) => r.url)).toEqual(['/orders/1']);
  });

  it('logs each refusal as a warning naming the upstream and the client', () => {
    const warnings = gateway.logs.filter((l) => l.msg === 'upstream request failed');
    expect(warnings.length).toBe(4);
    // The client here is known only by its address (the default rule).
    expect(warnings[0]).toMatchObject({ level: 40, upstream: 'billing', client: '127.0.0.1' });
  });
});
