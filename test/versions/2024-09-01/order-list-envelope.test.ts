/** versions/2024-09-01/order-list-envelope.ts: GET /orders answers { data, has_more } instead of a bare array. */
import { describe, it } from 'vitest';
import { expectTranslation } from 'verso/testing';

describe('2024-09-01/order-list-envelope', () => {
  it('gives 2024-01-01 clients the bare array of orders, each converted', async () => {
    await expectTranslation({
      operation: 'GET /orders', from: '2024-09-01', to: '2024-01-01',
      response: {
        status: 200,
        body: {
          data: [
            { id: 'ord_0025', customer: 'cus_0001', amount: 1200, currency: 'usd', status: 'cancelled', created_at: '2025-01-08T09:25:00Z' },
            { id: 'ord_0024', customer: 'cus_0003', amount: 4550, currency: 'gbp', status: 'pending', created_at: '2025-01-08T02:48:00Z' },
          ],
          has_more: true,
        },
      },
      expected: [
        { id: 'ord_0025', customer: 'cus_0001', amount: '12.00', status: 'cancelled', created_at: '2025-01-08T09:25:00Z' },
        { id: 'ord_0024', customer: 'cus_0003', amount: '45.50', status: 'pending', created_at: '2025-01-08T02:48:00Z' },
      ],
    });
  });

  it('gives an empty page as an empty array', async () => {
    await expectTranslation({
      operation: 'GET /orders', from: '2024-09-01', to: '2024-01-01',
      response: { status: 200, body: { data: [], has_more: false } },
      expected: [],
    });
  });

  it('leaves a 400 error in its envelope (only error-code renames its field)', async () => {
    await expectTranslation({
      operation: 'GET /orders', from: '2024-09-01', to: '2024-01-01',
      response: { status: 400, body: { error: { code: 'invalid_request', message: 'querystring/limit must be >= 1' } } },
      expected: { error: { type: 'invalid_request', message: 'querystring/limit must be >= 1' } },
    });
  });
});
