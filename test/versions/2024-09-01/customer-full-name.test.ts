/** versions/2024-09-01/customer-full-name.ts: Customer.full_name is renamed name. */
import { describe, it } from 'vitest';
import { expectTranslation } from 'verso/testing';

const ALAN = { id: 'cus_0003', name: 'Alan Turing', email: 'alan@example.com', created_at: '2024-12-02T08:45:00Z' };
const OLDER = { id: 'cus_0003', full_name: 'Alan Turing', email: 'alan@example.com', created_at: '2024-12-02T08:45:00Z' };

describe('2024-09-01/customer-full-name', () => {
  it('calls name full_name for 2024-01-01 clients', async () => {
    await expectTranslation({
      operation: 'getCustomer', from: '2024-09-01', to: '2024-01-01',
      response: { status: 200, body: ALAN },
      expected: OLDER,
    });
  });

  it('renames it in the customer an expanded order embeds', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2024-09-01', to: '2024-01-01',
      response: {
        status: 200,
        body: { id: 'ord_0003', customer: 'cus_0003', amount: 1200, currency: 'usd', status: 'paid', created_at: '2025-01-01T14:11:00Z', customer_details: ALAN },
      },
      expected: { id: 'ord_0003', customer: 'cus_0003', amount: '12.00', status: 'paid', created_at: '2025-01-01T14:11:00Z', customer_details: OLDER },
    });
  });

  it('leaves an order without the expanded customer as the amount change makes it', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2024-09-01', to: '2024-01-01',
      response: { status: 200, body: { id: 'ord_0003', customer: 'cus_0003', amount: 1200, currency: 'usd', status: 'paid', created_at: '2025-01-01T14:11:00Z' } },
      expected: { id: 'ord_0003', customer: 'cus_0003', amount: '12.00', status: 'paid', created_at: '2025-01-01T14:11:00Z' },
    });
  });
});
