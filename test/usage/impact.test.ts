import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../gateway/config/load.js';
import { loadTranslator, type Translator } from '../../gateway/translate/translator.js';
import { createImpact, NO_IMPACT, type Impact } from '../../gateway/usage/impact.js';

// The demo shop: versions 2023-06-01 → 2024-01-01 → 2024-09-01 → 2025-06-01 (head), changes in versions/.
const DESCRIPTIONS = {
  'order-created-at': 'Order.created (unix seconds) is replaced by created_at, an ISO 8601 date-time.',
  'order-amount-minor-units': 'Order.amount is an integer in the currency\'s minor unit (1250) instead of a decimal string in major units ("12.50"), and orders carry a currency. Earlier versions only knew usd.',
  'order-list-envelope': 'GET /orders returns a page object { data, has_more } instead of a bare array of orders.',
  'customer-full-name': 'Customer.full_name is renamed name.',
  'error-code': 'The machine-readable error field error.type is renamed error.code.',
  'order-customer-id': 'Order.customer, the customer id, is renamed customer_id. The customer object that expand=customer adds to an order, formerly customer_details, is now customer.',
  'order-status-canceled': 'The order status "cancelled" is spelled "canceled".',
};

let translator: Translator;
let impact: Impact;

beforeAll(async () => {
  const config = loadConfigFile(resolve(import.meta.dirname, '../../gateway.yaml'), { env: {} });
  translator = (await loadTranslator(config))!;
  impact = createImpact(translator);
});

describe('migration impact from the demo model', () => {
  it('lists every change from 2024-01-01 to the head that touches GET /orders/{id}, oldest version first, with its description', () => {
    expect(impact.of('2024-01-01', ['GET /orders/{id}'])).toEqual([
      { change: '2024-09-01/order-amount-minor-units', version: '2024-09-01', description: DESCRIPTIONS['order-amount-minor-units'], operations: ['GET /orders/{id}'] },
      { change: '2024-09-01/customer-full-name', version: '2024-09-01', description: DESCRIPTIONS['customer-full-name'], operations: ['GET /orders/{id}'] },
      { change: '2024-09-01/error-code', version: '2024-09-01', description: DESCRIPTIONS['error-code'], operations: ['GET /orders/{id}'] },
      { change: '2025-06-01/order-customer-id', version: '2025-06-01', description: DESCRIPTIONS['order-customer-id'], operations: ['GET /orders/{id}'] },
      { change: '2025-06-01/order-status-canceled', version: '2025-06-01', description: DESCRIPTIONS['order-status-canceled'], operations: ['GET /orders/{id}'] },
    ]);
  });

  it('includes the change that introduced 2024-01-01 for a client still on 2023-06-01', () => {
    expect(impact.of('2023-06-01', ['GET /orders/{id}']).map((c) => c.change)).toEqual([
      '2024-01-01/order-created-at',
      '2024-09-01/order-amount-minor-units',
      '2024-09-01/customer-full-name',
      '2024-09-01/error-code',
      '2025-06-01/order-customer-id',
      '2025-06-01/order-status-canceled',
    ]);
    expect(impact.of('2023-06-01', ['GET /orders/{id}'])[0]).toEqual({
      change: '2024-01-01/order-created-at', version: '2024-01-01', description: DESCRIPTIONS['order-created-at'], operations: ['GET /orders/{id}'],
    });
  });

  it('names, per change, which of the client\'s operations it touches (sorted), and merges changes across operations', () => {
    expect(impact.of('2024-01-01', ['GET /orders/{id}', 'GET /orders', 'GET /customers/{id}']).map((c) => [c.change, c.operations])).toEqual([
      ['2024-09-01/order-amount-minor-units', ['GET /orders', 'GET /orders/{id}']],
      ['2024-09-01/order-list-envelope', ['GET /orders']],
      ['2024-09-01/customer-full-name', ['GET /customers/{id}', 'GET /orders', 'GET /orders/{id}']],
      ['2024-09-01/error-code', ['GET /customers/{id}', 'GET /orders', 'GET /orders/{id}']],
      ['2025-06-01/order-customer-id', ['GET /orders', 'GET /orders/{id}']],
      ['2025-06-01/order-status-canceled', ['GET /orders', 'GET /orders/{id}']],
    ]);
  });

  it('counts only changes after the client\'s version: a 2024-09-01 client of GET /customers/{id} has nothing to do', () => {
    expect(impact.of('2024-09-01', ['GET /customers/{id}'])).toEqual([]);
    expect(impact.of('2024-09-01', ['POST /orders']).map((c) => c.change)).toEqual(['2025-06-01/order-customer-id', '2025-06-01/order-status-canceled']);
  });

  it('has no impact at the head', () => {
    expect(impact.of('2025-06-01', ['GET /orders/{id}', 'GET /orders'])).toEqual([]);
  });

  it('gives no entries for the wildcard form of unmatched paths, operations the head does not have, or an unknown version', () => {
    expect(impact.of('2023-06-01', ['GET /orders/*', 'GET /customers/*'])).toEqual([]);
    expect(impact.of('2023-06-01', ['DELETE /orders/{id}'])).toEqual([]);
    expect(impact.of('2022-01-01', ['GET /orders/{id}'])).toEqual([]);
    expect(impact.of('2024-01-01', ['GET /orders/*', 'GET /customers/{id}']).map((c) => c.operations)).toEqual([['GET /customers/{id}'], ['GET /customers/{id}']]);
  });

  it('answers the same question, in any operation order, with one frozen answer shared between callers', () => {
    const first = impact.of('2024-01-01', ['GET /orders', 'GET /orders/{id}']);
    expect(impact.of('2024-01-01', ['GET /orders/{id}', 'GET /orders', 'GET /orders'])).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first[0]) && Object.isFrozen(first[0].operations)).toBe(true);
  });

  it('answers thousands of clients quickly once each (operation, version) is known', () => {
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) impact.of(i % 2 ? '2023-06-01' : '2024-01-01', ['GET /orders', 'GET /orders/{id}', 'POST /orders']);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('without translation', () => {
  it('is always empty', () => {
    expect(createImpact(undefined)).toBe(NO_IMPACT);
    expect(NO_IMPACT.of('2023-06-01', ['GET /orders/{id}'])).toEqual([]);
  });
});
