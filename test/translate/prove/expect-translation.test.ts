/** gateway/testing.ts, the helper adapter authors test their changes with (`verso/testing`). */
import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { expectTranslation, translate } from '../../../gateway/testing.js';

const ORDER = { id: 'ord_0005', customer_id: 'cus_0002', amount: 2500, currency: 'usd', status: 'canceled', created_at: '2025-01-02T13:05:00Z' };

describe('translate', () => {
  it('moves a response down several versions, naming the changes that apply to the operation', async () => {
    expect(await translate({ operation: 'getOrder', from: 'v4', to: 'v1', response: { body: ORDER } })).toEqual({
      status: 200,
      body: { id: 'ord_0005', customer: 'cus_0002', amount: '25.00', status: 'cancelled', created: 1735823100 },
      headers: {},
      changes: [
        '2025-06-01/order-customer-id', '2025-06-01/order-status-canceled', '2024-09-01/order-amount-minor-units',
        '2024-09-01/customer-full-name', '2024-09-01/error-code', '2024-01-01/order-created-at',
      ],
    });
  });

  it('moves a request up with its headers (lower-cased) and query', async () => {
    expect(await translate({
      operation: 'POST /orders', from: '2024-01-01', to: '2025-06-01',
      request: { body: { customer: 'cus_0001', amount: '19.99', status: 'cancelled' }, headers: { 'X-Client-Id': 'a' }, query: { dry_run: '1' } },
    })).toEqual({
      body: { customer_id: 'cus_0001', amount: 1999, status: 'canceled', currency: 'usd' },
      headers: { 'x-client-id': 'a' },
      query: { dry_run: '1' },
      changes: ['2024-09-01/order-amount-minor-units', '2025-06-01/order-customer-id', '2025-06-01/order-status-canceled'],
    });
  });

  it('does not change the body it is given', async () => {
    const body = structuredClone(ORDER);
    await translate({ operation: 'getOrder', from: '2025-06-01', to: '2024-09-01', response: { body } });
    expect(body).toEqual(ORDER);
  });

  it('names the versions it knows when given an unknown one', async () => {
    await expect(translate({ operation: 'getOrder', from: '2026-01-01', to: 'v1', response: { body: ORDER } })).rejects.toThrow(
      'from: unknown version "2026-01-01"; versions in ',
    );
  });

  it('says how to name an operation it cannot find', async () => {
    await expect(translate({ operation: 'GET /order/{id}', from: 'v4', to: 'v3', response: { body: ORDER } })).rejects.toThrow(
      'operation: no operation "GET /order/{id}" at 2025-06-01 or 2025-06-01 or 2024-09-01; write it as "METHOD /path/{template}" or an operationId',
    );
  });

  it('wants exactly one of response and request', async () => {
    await expect(translate({ operation: 'getOrder', from: 'v4', to: 'v3' })).rejects.toThrow('translate: give exactly one of `response` and `request`');
  });
});

describe('expectTranslation', () => {
  it('passes when the body at the target version is the expected one', async () => {
    await expectTranslation({
      operation: 'GET /orders/{id}', from: '2025-06-01', to: '2024-09-01',
      response: { status: 200, body: ORDER },
      expected: { id: 'ord_0005', customer: 'cus_0002', amount: 2500, currency: 'usd', status: 'cancelled', created_at: '2025-01-02T13:05:00Z' },
    });
  });

  it('throws node:assert\'s AssertionError naming the translation and its changes, with a diff', async () => {
    const err = await expectTranslation({
      operation: 'GET /orders/{id}', from: '2025-06-01', to: '2024-09-01',
      response: { status: 200, body: ORDER },
      expected: { ...ORDER, status: 'cancelled' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AssertionError);
    const message = (err as AssertionError).message;
    expect(message.split('\n')[0]).toBe('GET /orders/{id} response 200 from 2025-06-01 to 2024-09-01 (changes: 2025-06-01/order-customer-id, 2025-06-01/order-status-canceled):');
    expect(message).toContain("+   customer: 'cus_0002',");
    expect(message).toContain("-   customer_id: 'cus_0002',");
    expect((err as AssertionError).actual).toEqual({ id: 'ord_0005', customer: 'cus_0002', amount: 2500, currency: 'usd', status: 'cancelled', created_at: '2025-01-02T13:05:00Z' });
  });

  it('checks the status when asked to', async () => {
    const err = await expectTranslation({
      operation: 'POST /orders', from: 'v4', to: 'v3',
      response: { status: 201, body: ORDER },
      expected: { id: 'ord_0005', customer: 'cus_0002', amount: 2500, currency: 'usd', status: 'cancelled', created_at: '2025-01-02T13:05:00Z' },
      expectedStatus: 200,
    }).catch((e: unknown) => e);
    expect((err as AssertionError).message.split('\n')[0]).toBe('POST /orders response 201 from v4 to v3 (changes: 2025-06-01/order-customer-id, 2025-06-01/order-status-canceled):');
    expect((err as AssertionError).message).toContain('status 201, expected 200');
  });
});
