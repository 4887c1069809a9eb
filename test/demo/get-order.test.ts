import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../demo/server.js';
import { CUSTOMERS, SEED_ORDERS, errorOf, fetchJson } from './fixtures.js';

describe('GET /orders/{id} (getOrder)', () => {
  let demo: RunningDemo;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(async () => {
    await demo.close();
  });

  it('returns the order without customer unless expanded', async () => {
    const res = await fetchJson(`${demo.url}/orders/ord_0005`);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      id: 'ord_0005',
      customer_id: 'cus_0002',
      amount: 2500,
      currency: 'usd',
      status: 'canceled',
      created_at: '2025-01-02T13:05:00Z',
    });
  });

  it('embeds the full customer beside customer_id with expand=customer', async () => {
    const res = await fetchJson(`${demo.url}/orders/ord_0001?expand=customer`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...SEED_ORDERS[0], customer: CUSTOMERS.cus_0001 });
    // Field order as served, so byte-level fixtures downstream stay stable.
    expect(Object.keys(res.body as object)).toEqual([
      'id',
      'customer_id',
      'amount',
      'currency',
      'status',
      'created_at',
      'customer',
    ]);
  });

  it.each(['expand=customer&expand=customer', 'expand=customer,customer', 'expand=%20customer%20,'])(
    'accepts expand as repeated or comma separated values (%s)',
    async (query) => {
      const res = await fetchJson(`${demo.url}/orders/ord_0002?${query}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...SEED_ORDERS[1], customer: CUSTOMERS.cus_0002 });
    },
  );

  it('treats an empty expand as no expansion', async () => {
    const res = await fetchJson(`${demo.url}/orders/ord_0003?expand=`);
    expect(res.body).toEqual(SEED_ORDERS[2]);
  });

  it.each(['expand=items', 'expand=customer,items', 'expand=customer&expand=items'])(
    'rejects an unknown expand value with 400 invalid_request (%s)',
    async (query) => {
      const res = await fetchJson(`${demo.url}/orders/ord_0001?${query}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        errorOf('invalid_request', "expand: unknown value 'items'; the only expandable field is 'customer'."),
      );
    },
  );

  it('returns 404 order_not_found for an unknown id', async () => {
    const res = await fetchJson(`${demo.url}/orders/ord_9999`);
    expect(res.status).toBe(404);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual(errorOf('order_not_found', "No order has id 'ord_9999'."));
  });

  it('returns 404 for a customer id used as an order id', async () => {
    const res = await fetchJson(`${demo.url}/orders/cus_0001?expand=customer`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual(errorOf('order_not_found', "No order has id 'cus_0001'."));
  });
});
