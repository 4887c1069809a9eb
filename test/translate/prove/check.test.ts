/**
 * `verso check` proves the changes against the specs: the demo passes; each fixture under
 * fixtures/ holds one broken change, and check exits 2 naming the operation, status, versions,
 * change, ajv's error and the payload of every failure.
 */
import { describe, expect, it } from 'vitest';
import { stubCliEnv, verso } from '../../helpers/cli.js';

// gateway.yaml reads DEMO_UPSTREAM_URL: the demo's default, whatever the shell has.
stubCliEnv({ DEMO_UPSTREAM_URL: '' });

const check = (config: string) => verso(['check', '--config', config]);

function failures(config: string, lines: string[]): string {
  return `${config}: ${lines.length} change proof failure${lines.length === 1 ? '' : 's'}:\n${lines.map((l) => `  - ${l}\n`).join('')}`;
}

const fixture = (name: string) => `test/translate/prove/fixtures/${name}/gateway.yaml`;
const PAIR = '2025-06-01 → 2024-09-01';

describe('verso check proves the changes', () => {
  it('proves the demo\'s changes across every version pair', async () => {
    expect(await check('gateway.yaml')).toEqual({
      code: 0,
      stdout: 'gateway.yaml: OK (4 versions, head 2025-06-01; 1 upstream(s); 2 route(s); 7 change(s))\nproved 4 operations across 3 version pairs\n  one-way, validated but not round-tripped: 2024-09-01/order-list-envelope (response hook on GET /orders)\nlocked contracts: 3 versions unchanged\n',
      stderr: '',
    });
  });

  it('fails a converted() whose down gives a number where the older schema says string', async () => {
    const config = fixture('converted-down-wrong-type');
    const change = '[2025-06-01/order-amount-major-units: Order.amount converted]';
    expect(await check(config)).toEqual({
      code: 2,
      stdout: '',
      stderr: failures(config, [
        `GET /orders 200 response, ${PAIR} ${change}: /data/0/amount must be string (payload: OrderList example)`,
        `POST /orders 201 response, ${PAIR} ${change}: /amount must be string (payload: Order example)`,
        `GET /orders/{id} 200 response, ${PAIR} ${change}: /amount must be string (payload: Order example)`,
      ]),
    });
  });

  it('fails a removed() whose derive returns the wrong type', async () => {
    const config = fixture('removed-derive-wrong-type');
    const change = '[2025-06-01/order-total-removed: Order.total removed]';
    expect(await check(config)).toEqual({
      code: 2,
      stdout: '',
      stderr: failures(config, [
        `GET /orders 200 response, ${PAIR} ${change}: /data/0/total must be integer (payload: OrderList example)`,
        `POST /orders 201 response, ${PAIR} ${change}: /total must be integer (payload: Order example)`,
        `GET /orders/{id} 200 response, ${PAIR} ${change}: /total must be integer (payload: Order example)`,
      ]),
    });
  });

  it('fails an up that loses data: the request round trip does not give back the input', async () => {
    const config = fixture('lossy-up');
    const change = '[2025-06-01/order-create-amount: OrderCreate.amount converted]';
    expect(await check(config)).toEqual({
      code: 2,
      stdout: '',
      stderr: failures(config, [
        `POST /orders request round trip, 2024-09-01 → 2025-06-01 → 2024-09-01 ${change}: /amount: sent "45.50", got back "45.00" (payload: OrderCreate example from 2025-06-01)`,
        `POST /orders request, 2024-09-01 → 2025-06-01 ${change}: /amount must be >= 1 (payload: generated sample from 2025-06-01)`,
      ]),
    });
  });

  it('fails a down that the up does not undo: the response round trip does not give back the input', async () => {
    const config = fixture('response-round-trip');
    const change = '[2025-06-01/customer-name-case: Customer.name converted]';
    const trip = `response round trip, 2025-06-01 → 2024-09-01 → 2025-06-01 ${change}`;
    expect(await check(config)).toEqual({
      code: 2,
      stdout: '',
      stderr: failures(config, [
        // The examples leave the expanded customer out; the generated sample, with every optional field, has it.
        `GET /orders 200 ${trip}: /data/0/customer/name: sent "string", got back "STRING" (payload: generated sample)`,
        `POST /orders 201 ${trip}: /customer/name: sent "string", got back "STRING" (payload: generated sample)`,
        `GET /orders/{id} 200 ${trip}: /customer/name: sent "string", got back "STRING" (payload: generated sample)`,
        `GET /customers/{id} 200 ${trip}: /name: sent "Ada Lovelace", got back "ADA LOVELACE" (payload: Customer example)`,
      ]),
    });
  });

  it('fails a response hook that produces the wrong shape', async () => {
    const config = fixture('response-hook-wrong-shape');
    expect(await check(config)).toEqual({
      code: 2,
      stdout: '',
      stderr: failures(config, [
        `GET /orders 200 response, ${PAIR} [2025-06-01/order-list-envelope]: (body) must be array (payload: OrderList example)`,
      ]),
    });
  });

  it('names the change whose function throws', async () => {
    const config = fixture('derive-throws');
    const id = '2025-06-01/order-customer-name';
    const threw = `change ${id} failed: Cannot read properties of undefined (reading 'name')`;
    expect(await check(config)).toEqual({
      code: 2,
      stdout: '',
      stderr: failures(config, [
        `GET /orders 200 response, ${PAIR} [${id}]: ${threw} (payload: OrderList example)`,
        `POST /orders 201 response, ${PAIR} [${id}]: ${threw} (payload: Order example)`,
        `GET /orders/{id} 200 response, ${PAIR} [${id}]: ${threw} (payload: Order example)`,
      ]),
    });
  });

  it('validates OpenAPI 3.0 documents in their own dialect (nullable, boolean exclusiveMinimum)', async () => {
    const config = fixture('openapi-3.0');
    expect(await check(config)).toEqual({
      code: 2,
      stdout: '',
      stderr: failures(config, [
        `GET /widgets/{id} 200 response, ${PAIR} [2025-06-01/widget-size-unit: Widget.size_mm converted]: /size_mm must be number (payload: example)`,
      ]),
    });
  });
});
