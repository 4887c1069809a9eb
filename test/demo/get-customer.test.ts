import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../demo/server.js';
import { CUSTOMERS, errorOf, fetchJson } from './fixtures.js';

describe('GET /customers/{id} (getCustomer)', () => {
  let demo: RunningDemo;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(async () => {
    await demo.close();
  });

  it.each(Object.values(CUSTOMERS))('returns seeded customer $id', async (customer) => {
    const res = await fetchJson(`${demo.url}/customers/${customer.id}`);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual(customer);
  });

  it('returns 404 customer_not_found for an unknown id', async () => {
    const res = await fetchJson(`${demo.url}/customers/cus_9999`);
    expect(res.status).toBe(404);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual(errorOf('customer_not_found', "No customer has id 'cus_9999'."));
  });
});
