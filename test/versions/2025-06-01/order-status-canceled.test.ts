/** versions/2025-06-01/order-status-canceled.ts: "canceled" was spelled "cancelled" before 2025-06-01. */
import { describe, it } from 'vitest';
import { expectTranslation } from 'verso/testing';

const ORDER = { id: 'ord_0005', customer_id: 'cus_0002', amount: 2500, currency: 'usd', status: 'canceled', created_at: '2025-01-02T13:05:00Z' };
const OLDER = { id: 'ord_0005', customer: 'cus_0002', amount: 2500, currency: 'usd', status: 'cancelled', created_at: '2025-01-02T13:05:00Z' };

describe('2025-06-01/order-status-canceled', () => {
  it('spells a canceled order cancelled for 2024-09-01 clients', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2025-06-01', to: '2024-09-01',
      response: { status: 200, body: ORDER },
      expected: OLDER,
    });
  });

  it('keeps the other statuses as they are', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2025-06-01', to: '2024-09-01',
      response: { status: 200, body: { ...ORDER, status: 'shipped' } },
      expected: { ...OLDER, status: 'shipped' },
    });
  });

  it('spells it cancelled in an expanded order and in a list', async () => {
    const customer = { id: 'cus_0002', name: 'Grace Hopper', email: 'grace@example.com', created_at: '2024-11-18T15:30:00Z' };
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2025-06-01', to: '2024-09-01',
      response: { status: 200, body: { ...ORDER, customer } },
      expected: { ...OLDER, customer_details: customer },
    });
    await expectTranslation({
      operation: 'GET /orders', from: '2025-06-01', to: '2024-09-01',
      response: { status: 200, body: { data: [ORDER], has_more: true } },
      expected: { data: [OLDER], has_more: true },
    });
  });

  it('moves a cancelled create request up to canceled', async () => {
    await expectTranslation({
      operation: 'POST /orders', from: '2024-09-01', to: '2025-06-01',
      request: { body: { customer: 'cus_0002', amount: 2500, currency: 'usd', status: 'cancelled' } },
      expected: { customer_id: 'cus_0002', amount: 2500, currency: 'usd', status: 'canceled' },
    });
  });
});
