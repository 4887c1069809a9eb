/** versions/2024-09-01/error-code.ts: error.type is renamed error.code. */
import { describe, it } from 'vitest';
import { expectTranslation } from 'verso/testing';

describe('2024-09-01/error-code', () => {
  it('calls code type in a 404 for 2024-01-01 clients', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2024-09-01', to: '2024-01-01',
      response: { status: 404, body: { error: { code: 'order_not_found', message: "No order has id 'ord_9999'." } } },
      expected: { error: { type: 'order_not_found', message: "No order has id 'ord_9999'." } },
    });
  });

  it('renames it in every documented error of every operation', async () => {
    await expectTranslation({
      operation: 'POST /orders', from: '2024-09-01', to: '2024-01-01',
      response: { status: 422, body: { error: { code: 'customer_not_found', message: "No customer has id 'cus_9999'." } } },
      expected: { error: { type: 'customer_not_found', message: "No customer has id 'cus_9999'." } },
      expectedStatus: 422,
    });
    await expectTranslation({
      operation: 'GET /customers/{id}', from: '2024-09-01', to: '2024-01-01',
      response: { status: 404, body: { error: { code: 'customer_not_found', message: "No customer has id 'cus_9999'." } } },
      expected: { error: { type: 'customer_not_found', message: "No customer has id 'cus_9999'." } },
    });
  });

  it('keeps the 2023-06-01 error as 2024-01-01 has it (no change in between touches errors)', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2024-01-01', to: '2023-06-01',
      response: { status: 404, body: { error: { type: 'order_not_found', message: "No order has id 'ord_9999'." } } },
      expected: { error: { type: 'order_not_found', message: "No order has id 'ord_9999'." } },
    });
  });
});
