/** versions/2024-01-01/order-created-at.ts: created (unix seconds) is replaced by created_at (ISO 8601). */
import { describe, it } from 'vitest';
import { expectTranslation } from 'verso/testing';

const ORDER = { id: 'ord_0001', customer: 'cus_0001', amount: '19.99', status: 'paid', created_at: '2025-01-01T09:37:00Z' };
const OLDER = { id: 'ord_0001', customer: 'cus_0001', amount: '19.99', status: 'paid', created: 1735724220 };

describe('2024-01-01/order-created-at', () => {
  it('gives 2023-06-01 clients created in unix seconds instead of created_at', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2024-01-01', to: '2023-06-01',
      response: { status: 200, body: ORDER },
      expected: OLDER,
    });
  });

  it('derives created for an expanded order and leaves the customer\'s own created_at alone', async () => {
    const customer = { id: 'cus_0001', full_name: 'Ada Lovelace', email: 'ada@example.com', created_at: '2024-11-04T10:00:00Z' };
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2024-01-01', to: '2023-06-01',
      response: { status: 200, body: { ...ORDER, customer_details: customer } },
      expected: { id: 'ord_0001', customer: 'cus_0001', amount: '19.99', status: 'paid', customer_details: customer, created: 1735724220 },
    });
  });

  it('derives it in every order of the (bare array) list', async () => {
    await expectTranslation({
      operation: 'GET /orders', from: '2024-01-01', to: '2023-06-01',
      response: { status: 200, body: [ORDER, { ...ORDER, id: 'ord_0002', created_at: '2025-01-01T10:00:00Z' }] },
      expected: [OLDER, { ...OLDER, id: 'ord_0002', created: 1735725600 }],
    });
  });

  it('passes a create request through unchanged: OrderCreate has no created field', async () => {
    await expectTranslation({
      operation: 'POST /orders', from: '2023-06-01', to: '2024-01-01',
      request: { body: { customer: 'cus_0002', amount: '45.50' } },
      expected: { customer: 'cus_0002', amount: '45.50' },
    });
  });

  it('leaves error bodies alone', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2024-01-01', to: '2023-06-01',
      response: { status: 404, body: { error: { type: 'order_not_found', message: "No order has id 'ord_9999'." } } },
      expected: { error: { type: 'order_not_found', message: "No order has id 'ord_9999'." } },
    });
  });
});
