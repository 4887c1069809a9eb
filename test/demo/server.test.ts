import { describe, expect, it } from 'vitest';
import { createDemoApp, startDemo } from '../../demo/server.js';
import { SEED_ORDERS, errorOf, fetchJson } from './fixtures.js';

describe('demo server', () => {
  it('listens on a free loopback port by default and stops on close', async () => {
    const demo = await startDemo();
    expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetchJson(`${demo.url}/health`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    await demo.close();
    await expect(fetch(`${demo.url}/health`)).rejects.toThrow();
  });

  it('answers 404 route_not_found for paths outside the spec', async () => {
    const demo = await startDemo();
    try {
      const res = await fetchJson(`${demo.url}/invoices?limit=1`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(errorOf('route_not_found', 'No route GET /invoices.'));
    } finally {
      await demo.close();
    }
  });

  it('ignores every version signal and always speaks the head contract', async () => {
    const demo = await startDemo();
    try {
      const res = await fetchJson(`${demo.url}/orders/ord_0001?api-version=2023-06-01`, {
        headers: { 'API-Version': '2024-01-01', accept: 'application/vnd.shop+json; version=2024-09-01' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(SEED_ORDERS[0]);
      expect(res.headers.get('api-version')).toBeNull();
    } finally {
      await demo.close();
    }
  });

  it('gives each app instance its own store', async () => {
    const first = createDemoApp();
    const second = createDemoApp();
    const created = await first.inject({
      method: 'POST',
      url: '/orders',
      payload: { customer_id: 'cus_0001', amount: 100, currency: 'usd' },
    });
    expect(created.statusCode).toBe(201);
    expect((await first.inject({ url: '/orders/ord_0026' })).statusCode).toBe(200);
    expect((await second.inject({ url: '/orders/ord_0026' })).statusCode).toBe(404);
    await Promise.all([first.close(), second.close()]);
  });

  it('seeds the requested number of orders', async () => {
    const app = createDemoApp({ orders: 3 });
    const res = await app.inject({ url: '/orders' });
    expect(res.json()).toEqual({ data: [SEED_ORDERS[2], SEED_ORDERS[1], SEED_ORDERS[0]], has_more: false });
    const created = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { customer_id: 'cus_0001', amount: 100, currency: 'usd' },
    });
    expect(created.json()).toMatchObject({ id: 'ord_0004' });
    await app.close();
  });

  it('refuses a seed size that is not a non-negative integer', () => {
    expect(() => createDemoApp({ orders: -1 })).toThrow(RangeError);
    expect(() => createDemoApp({ orders: 2.5 })).toThrow('demo seed: orders must be a non-negative integer, got 2.5');
  });

  it('delays API responses by latencyMs but not health checks', async () => {
    const latencyMs = 400;
    const demo = await startDemo({ latencyMs });
    try {
      let started = performance.now();
      await fetchJson(`${demo.url}/orders/ord_0001`);
      expect(performance.now() - started).toBeGreaterThanOrEqual(latencyMs - 5);
      started = performance.now();
      await fetchJson(`${demo.url}/health`);
      expect(performance.now() - started).toBeLessThan(latencyMs);
    } finally {
      await demo.close();
    }
  });
});
