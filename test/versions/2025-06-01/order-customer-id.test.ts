/**
 * versions/2025-06-01/order-customer-id.ts: Order.customer → customer_id, and the expanded
 * customer_details → customer, between 2025-06-01 and 2024-09-01.
 */
import { describe, it } from 'vitest';
import { expectTranslation } from 'verso/testing';

const ADA = { id: 'cus_0001', name: 'Ada Lovelace', email: 'ada@example.com', created_at: '2024-11-04T10:00:00Z' };
const ORDER = { id: 'ord_0001', customer_id: 'cus_0001', amount: 1999, currency: 'usd', status: 'paid', created_at: '2025-01-01T09:37:00Z' };
const OLDER = { id: 'ord_0001', customer: 'cus_0001', amount: 1999, currency: 'usd', status: 'paid', created_at: '2025-01-01T09:37:00Z' };

describe('2025-06-01/order-customer-id', () => {
  it('calls customer_id customer for 2024-09-01 clients', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2025-06-01', to: '2024-09-01',
      response: { status: 200, body: ORDER },
      expected: OLDER,
    });
  });

  it('moves the expanded customer to customer_details, beside customer', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2025-06-01', to: '2024-09-01',
      response: { status: 200, body: { ...ORDER, customer: ADA } },
      expected: { ...OLDER, customer_details: ADA },
    });
  });

  it('renames it in every order of a list page', async () => {
    await expectTranslation({
      operation: 'listOrders', from: 'v4', to: 'v3',
      response: { status: 200, body: { data: [ORDER], has_more: false } },
      expected: { data: [OLDER], has_more: false },
    });
  });

  it('moves customer up to customer_id in a 2024-09-01 create request', async () => {
    await expectTranslation({
      operation: 'POST /orders', from: '2024-09-01', to: '2025-06-01',
      request: { body: { customer: 'cus_0002', amount: 4550, currency: 'eur' } },
      expected: { customer_id: 'cus_0002', amount: 4550, currency: 'eur' },
    });
  });

  it('leaves error bodies alone', async () => {
    const body = { error: { code: 'order_not_found', message: "No order has id 'ord_9999'." } };
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2025-06-01', to: '2024-09-01',
      response: { status: 404, body },
      expected: body,
    });
  });
});
