/**
 * versions/2024-09-01/order-amount-minor-units.ts: Order.amount in minor units (1999) with a
 * currency, instead of a decimal string in major units ("19.99"), between 2024-09-01 and 2024-01-01.
 */
import { describe, it } from 'vitest';
import { expectTranslation } from 'verso/testing';

const ORDER = { id: 'ord_0001', customer: 'cus_0001', amount: 1999, currency: 'usd', status: 'paid', created_at: '2025-01-01T09:37:00Z' };
const OLDER = { id: 'ord_0001', customer: 'cus_0001', amount: '19.99', status: 'paid', created_at: '2025-01-01T09:37:00Z' };

describe('2024-09-01/order-amount-minor-units', () => {
  it('gives 2024-01-01 clients the amount as a decimal string and no currency', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2024-09-01', to: '2024-01-01',
      response: { status: 200, body: ORDER },
      expected: OLDER,
    });
  });

  it('converts the amount of an expanded order too (its customer renamed by customer-full-name)', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2024-09-01', to: '2024-01-01',
      response: { status: 200, body: { ...ORDER, amount: 15000, customer_details: { id: 'cus_0001', name: 'Ada Lovelace', email: 'ada@example.com', created_at: '2024-11-04T10:00:00Z' } } },
      expected: { ...OLDER, amount: '150.00', customer_details: { id: 'cus_0001', full_name: 'Ada Lovelace', email: 'ada@example.com', created_at: '2024-11-04T10:00:00Z' } },
    });
  });

  it('converts the created order a POST answers with', async () => {
    await expectTranslation({
      operation: 'POST /orders', from: '2024-09-01', to: '2024-01-01',
      response: { status: 201, body: { ...ORDER, amount: 4550 } },
      expected: { ...OLDER, amount: '45.50' },
      expectedStatus: 201,
    });
  });

  it('moves a 2024-01-01 create request up to minor units in usd', async () => {
    await expectTranslation({
      operation: 'POST /orders', from: '2024-01-01', to: '2024-09-01',
      request: { body: { customer: 'cus_0002', amount: '45.50' } },
      expected: { customer: 'cus_0002', amount: 4550, currency: 'usd' },
    });
  });

  it('keeps a currency the request sends', async () => {
    await expectTranslation({
      operation: 'POST /orders', from: '2024-01-01', to: '2024-09-01',
      request: { body: { customer: 'cus_0002', amount: '0.99', currency: 'eur' } },
      expected: { customer: 'cus_0002', amount: 99, currency: 'eur' },
    });
  });
});
