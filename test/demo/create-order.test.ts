import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../demo/server.js';
import { errorOf, fetchJson, ordersNewestFirst } from './fixtures.js';

// Half a second past the minute: created_at is served at whole seconds.
const NOW = new Date('2025-06-01T12:00:00.500Z');

describe('POST /orders (createOrder)', () => {
  let demo: RunningDemo;
  // A fresh server per test: creating orders changes the store.
  beforeEach(async () => {
    demo = await startDemo({ now: () => NOW });
  });
  afterEach(async () => {
    await demo.close();
  });

  it('creates a pending order under the next sequential id', async () => {
    const res = await fetchJson(`${demo.url}/orders`, {
      method: 'POST',
      body: { customer_id: 'cus_0002', amount: 4550, currency: 'eur' },
    });
    expect(res.status).toBe(201);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      id: 'ord_0026',
      customer_id: 'cus_0002',
      amount: 4550,
      currency: 'eur',
      status: 'pending',
      created_at: '2025-06-01T12:00:00Z',
    });
  });

  it('keeps an explicit status', async () => {
    const res = await fetchJson(`${demo.url}/orders`, {
      method: 'POST',
      body: { customer_id: 'cus_0003', amount: 1, currency: 'jpy', status: 'shipped' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: 'ord_0026', status: 'shipped', amount: 1, currency: 'jpy' });
  });

  it('serves the new order from getOrder and first in listOrders', async () => {
    const created = await fetchJson(`${demo.url}/orders`, {
      method: 'POST',
      body: { customer_id: 'cus_0001', amount: 999, currency: 'usd', status: 'paid' },
    });
    const fetched = await fetchJson(`${demo.url}/orders/ord_0026`);
    expect(fetched.body).toEqual(created.body);
    const list = await fetchJson(`${demo.url}/orders?limit=3`);
    expect(list.body).toEqual({ data: [created.body, ...ordersNewestFirst(25, 24)], has_more: true });
  });

  it('numbers consecutive orders sequentially', async () => {
    const body = { customer_id: 'cus_0001', amount: 500, currency: 'usd' };
    const first = await fetchJson(`${demo.url}/orders`, { method: 'POST', body });
    const second = await fetchJson(`${demo.url}/orders`, { method: 'POST', body });
    expect([first.body, second.body].map((order) => (order as { id: string }).id)).toEqual(['ord_0026', 'ord_0027']);
  });

  it('returns 422 customer_not_found for a well-formed unknown customer', async () => {
    const res = await fetchJson(`${demo.url}/orders`, {
      method: 'POST',
      body: { customer_id: 'cus_9999', amount: 4550, currency: 'eur' },
    });
    expect(res.status).toBe(422);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual(errorOf('customer_not_found', "No customer has id 'cus_9999'."));
  });

  it.each([
    ['a missing currency', { customer_id: 'cus_0001', amount: 100 }, "body must have required property 'currency'"],
    [
      'a 2024-09-01 decimal string amount',
      { customer_id: 'cus_0001', amount: '45.50', currency: 'usd' },
      'body/amount must be integer',
    ],
    [
      'a numeric string amount (no coercion)',
      { customer_id: 'cus_0001', amount: '4550', currency: 'usd' },
      'body/amount must be integer',
    ],
    ['a fractional amount', { customer_id: 'cus_0001', amount: 45.5, currency: 'usd' }, 'body/amount must be integer'],
    ['a zero amount', { customer_id: 'cus_0001', amount: 0, currency: 'usd' }, 'body/amount must be >= 1'],
    [
      'an uppercase currency',
      { customer_id: 'cus_0001', amount: 100, currency: 'USD' },
      'body/currency must match pattern "^[a-z]{3}$"',
    ],
    [
      'a 2023-06-01 customer field instead of customer_id',
      { customer: 'cus_0001', amount: 100, currency: 'usd' },
      "body must have required property 'customer_id'",
    ],
    [
      'an unknown field',
      { customer_id: 'cus_0001', amount: 100, currency: 'usd', note: 'gift' },
      "body must NOT have additional properties: 'note'",
    ],
    [
      'the pre-2025 cancelled spelling',
      { customer_id: 'cus_0001', amount: 100, currency: 'usd', status: 'cancelled' },
      'body/status must be equal to one of the allowed values',
    ],
    [
      'a malformed customer id',
      { customer_id: 'ada', amount: 100, currency: 'usd' },
      'body/customer_id must match pattern "^cus_[A-Za-z0-9]+$"',
    ],
    ['an array body', [], 'body must be object'],
  ])('rejects %s with 400 invalid_request', async (_case, body, message) => {
    const res = await fetchJson(`${demo.url}/orders`, { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual(errorOf('invalid_request', message));
  });

  it('rejects malformed JSON with 400 invalid_request', async () => {
    const res = await fetchJson(`${demo.url}/orders`, { method: 'POST', body: '{"customer_id":' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      errorOf('invalid_request', "Body is not valid JSON but content-type is set to 'application/json'"),
    );
  });

  it('rejects a request without a body with 400 invalid_request', async () => {
    const res = await fetchJson(`${demo.url}/orders`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorOf('invalid_request', 'body must be object'));
  });

  it('does not use up an id on a rejected request', async () => {
    const unknownCustomer = { customer_id: 'cus_9999', amount: 1, currency: 'usd' };
    await fetchJson(`${demo.url}/orders`, { method: 'POST', body: unknownCustomer });
    await fetchJson(`${demo.url}/orders`, { method: 'POST', body: { amount: 1 } });
    const res = await fetchJson(`${demo.url}/orders`, {
      method: 'POST',
      body: { customer_id: 'cus_0001', amount: 1, currency: 'usd' },
    });
    expect(res.body).toMatchObject({ id: 'ord_0026' });
  });
});
