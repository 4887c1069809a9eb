import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../demo/server.js';
import { SEED_ORDERS, errorOf, fetchJson, ordersNewestFirst } from './fixtures.js';

describe('GET /orders (listOrders)', () => {
  let demo: RunningDemo;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(async () => {
    await demo.close();
  });

  it('returns the 10 newest orders and has_more by default', async () => {
    const res = await fetchJson(`${demo.url}/orders`);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual({ data: ordersNewestFirst(25, 16), has_more: true });
  });

  it('continues after the starting_after cursor', async () => {
    const res = await fetchJson(`${demo.url}/orders?starting_after=ord_0016`);
    expect(res.body).toEqual({ data: ordersNewestFirst(15, 6), has_more: true });
  });

  it('reports has_more false on the last page', async () => {
    const res = await fetchJson(`${demo.url}/orders?starting_after=ord_0006`);
    expect(res.body).toEqual({ data: ordersNewestFirst(5, 1), has_more: false });
  });

  it('returns an empty last page after the oldest order', async () => {
    const res = await fetchJson(`${demo.url}/orders?starting_after=ord_0001`);
    expect(res.body).toEqual({ data: [], has_more: false });
  });

  it('honours limit', async () => {
    const res = await fetchJson(`${demo.url}/orders?limit=3`);
    expect(res.body).toEqual({ data: ordersNewestFirst(25, 23), has_more: true });
  });

  it('reports has_more false when the page holds exactly the remaining orders', async () => {
    const res = await fetchJson(`${demo.url}/orders?limit=25`);
    expect(res.body).toEqual({ data: ordersNewestFirst(25, 1), has_more: false });
  });

  it('returns every order once when walking all pages', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const query = cursor === undefined ? 'limit=7' : `limit=7&starting_after=${cursor}`;
      const res = await fetchJson(`${demo.url}/orders?${query}`);
      const body = res.body as { data: { id: string }[]; has_more: boolean };
      pages += 1;
      seen.push(...body.data.map((order) => order.id));
      if (!body.has_more) break;
      cursor = body.data[body.data.length - 1].id;
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(SEED_ORDERS.map((order) => order.id).reverse());
  });

  it('ignores query parameters it does not know', async () => {
    const res = await fetchJson(`${demo.url}/orders?limit=1&api-version=2023-06-01&foo=bar`);
    expect(res.body).toEqual({ data: ordersNewestFirst(25, 25), has_more: true });
  });

  it.each([
    ['limit=0', 'querystring/limit must be >= 1'],
    ['limit=101', 'querystring/limit must be <= 100'],
    ['limit=abc', 'querystring/limit must be integer'],
    ['limit=2.5', 'querystring/limit must be integer'],
    ['starting_after=cus_0001', 'querystring/starting_after must match pattern "^ord_[A-Za-z0-9]+$"'],
  ])('rejects %s with 400 invalid_request', async (query, message) => {
    const res = await fetchJson(`${demo.url}/orders?${query}`);
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual(errorOf('invalid_request', message));
  });

  it('rejects a cursor that names no order with 400 invalid_request', async () => {
    const res = await fetchJson(`${demo.url}/orders?starting_after=ord_9999`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorOf('invalid_request', "starting_after: no order has id 'ord_9999'."));
  });
});

describe('GET /orders with a large seed', () => {
  it('serves a full page of 100 orders for benchmarks', async () => {
    const demo = await startDemo({ orders: 100 });
    try {
      const response = await fetch(`${demo.url}/orders?limit=100`);
      const text = await response.text();
      const body = JSON.parse(text) as { data: { id: string }[]; has_more: boolean };
      expect(body.data).toHaveLength(100);
      expect(body.data[0].id).toBe('ord_0100');
      expect(body.data[99].id).toBe('ord_0001');
      expect(body.has_more).toBe(false);
      expect(text.length).toBe(12_827);
    } finally {
      await demo.close();
    }
  });
});
