import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../gateway/config/load.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { startDemoGateway, type DemoGateway } from '../helpers/demo-gateway.js';

const UUID = /^[0-9a-f-]{36}$/;
let g: DemoGateway;

beforeAll(async () => { g = await startDemoGateway(); });
afterAll(async () => { await g.close(); });

async function call(version: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${g.url}${path}`, {
    method,
    headers: { 'api-version': version, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const lastUpstream = () => g.upstream[g.upstream.length - 1];

const EXPANDED: Record<string, unknown> = {
  '2023-06-01': { id: 'ord_0005', customer: 'cus_0002', amount: '25.00', status: 'cancelled', customer_details: { id: 'cus_0002', full_name: 'Grace Hopper', email: 'grace@example.com', created_at: '2024-11-18T15:30:00Z' }, created: 1735823100 },
  '2024-01-01': { id: 'ord_0005', customer: 'cus_0002', amount: '25.00', status: 'cancelled', created_at: '2025-01-02T13:05:00Z', customer_details: { id: 'cus_0002', full_name: 'Grace Hopper', email: 'grace@example.com', created_at: '2024-11-18T15:30:00Z' } },
  '2024-09-01': { id: 'ord_0005', customer: 'cus_0002', amount: 2500, currency: 'usd', status: 'cancelled', created_at: '2025-01-02T13:05:00Z', customer_details: { id: 'cus_0002', name: 'Grace Hopper', email: 'grace@example.com', created_at: '2024-11-18T15:30:00Z' } },
  '2025-06-01': { id: 'ord_0005', customer_id: 'cus_0002', amount: 2500, currency: 'usd', status: 'canceled', created_at: '2025-01-02T13:05:00Z', customer: { id: 'cus_0002', name: 'Grace Hopper', email: 'grace@example.com', created_at: '2024-11-18T15:30:00Z' } },
};

const LIST: Record<string, unknown> = {
  '2023-06-01': [
    { id: 'ord_0025', customer: 'cus_0001', amount: '12.00', status: 'cancelled', created: 1736328300 },
    { id: 'ord_0024', customer: 'cus_0003', amount: '45.50', status: 'pending', created: 1736304480 },
  ],
  '2024-01-01': [
    { id: 'ord_0025', customer: 'cus_0001', amount: '12.00', status: 'cancelled', created_at: '2025-01-08T09:25:00Z' },
    { id: 'ord_0024', customer: 'cus_0003', amount: '45.50', status: 'pending', created_at: '2025-01-08T02:48:00Z' },
  ],
  '2024-09-01': { data: [
    { id: 'ord_0025', customer: 'cus_0001', amount: 1200, currency: 'usd', status: 'cancelled', created_at: '2025-01-08T09:25:00Z' },
    { id: 'ord_0024', customer: 'cus_0003', amount: 4550, currency: 'gbp', status: 'pending', created_at: '2025-01-08T02:48:00Z' },
  ], has_more: true },
  '2025-06-01': { data: [
    { id: 'ord_0025', customer_id: 'cus_0001', amount: 1200, currency: 'usd', status: 'canceled', created_at: '2025-01-08T09:25:00Z' },
    { id: 'ord_0024', customer_id: 'cus_0003', amount: 4550, currency: 'gbp', status: 'pending', created_at: '2025-01-08T02:48:00Z' },
  ], has_more: true },
};

const ERROR: Record<string, unknown> = {
  '2023-06-01': { error: { type: 'order_not_found', message: "No order has id 'ord_9999'." } },
  '2024-01-01': { error: { type: 'order_not_found', message: "No order has id 'ord_9999'." } },
  '2024-09-01': { error: { code: 'order_not_found', message: "No order has id 'ord_9999'." } },
  '2025-06-01': { error: { code: 'order_not_found', message: "No order has id 'ord_9999'." } },
};

const CUSTOMER: Record<string, unknown> = {
  '2023-06-01': { id: 'cus_0003', full_name: 'Alan Turing', email: 'alan@example.com', created_at: '2024-12-02T08:45:00Z' },
  '2024-01-01': { id: 'cus_0003', full_name: 'Alan Turing', email: 'alan@example.com', created_at: '2024-12-02T08:45:00Z' },
  '2024-09-01': { id: 'cus_0003', name: 'Alan Turing', email: 'alan@example.com', created_at: '2024-12-02T08:45:00Z' },
  '2025-06-01': { id: 'cus_0003', name: 'Alan Turing', email: 'alan@example.com', created_at: '2024-12-02T08:45:00Z' },
};

describe('a client at each version gets exactly its version\'s shape from the head-only demo', () => {
  for (const version of ['2023-06-01', '2024-01-01', '2024-09-01', '2025-06-01']) {
    describe(version, () => {
      it('gets an order with its expanded (nested) customer', async () => {
        const res = await call(version, 'GET', '/orders/ord_0005?expand=customer');
        expect(res.status).toBe(200);
        expect(res.headers.get('api-version')).toBe(version);
        expect(res.body).toEqual(EXPANDED[version]);
        expect(JSON.stringify(res.body)).toBe(JSON.stringify(EXPANDED[version])); // key order too
        expect(lastUpstream().url).toBe('/orders/ord_0005?expand=customer');
      });

      it('gets the order list', async () => {
        const res = await call(version, 'GET', '/orders?limit=2');
        expect(res.status).toBe(200);
        expect(res.body).toEqual(LIST[version]);
      });

      it('gets an error body in its version\'s shape', async () => {
        const res = await call(version, 'GET', '/orders/ord_9999');
        expect(res.status).toBe(404);
        expect(res.body).toEqual(ERROR[version]);
      });

      it('gets a customer', async () => {
        expect((await call(version, 'GET', '/customers/cus_0003')).body).toEqual(CUSTOMER[version]);
      });
    });
  }
});

describe('requests are moved up so the upstream receives exactly the head shape', () => {
  const cases: [string, unknown, unknown, unknown][] = [
    ['2023-06-01', { customer: 'cus_0002', amount: '45.50', status: 'cancelled' },
      { customer_id: 'cus_0002', amount: 4550, status: 'canceled', currency: 'usd' },
      { customer: 'cus_0002', amount: '45.50', status: 'cancelled', created: 1749988800 }],
    ['2024-01-01', { customer: 'cus_0002', amount: '45.50' },
      { customer_id: 'cus_0002', amount: 4550, currency: 'usd' },
      { customer: 'cus_0002', amount: '45.50', status: 'pending', created_at: '2025-06-15T12:00:00Z' }],
    ['2024-09-01', { customer: 'cus_0002', amount: 4550, currency: 'eur' },
      { customer_id: 'cus_0002', amount: 4550, currency: 'eur' },
      { customer: 'cus_0002', amount: 4550, currency: 'eur', status: 'pending', created_at: '2025-06-15T12:00:00Z' }],
    ['2025-06-01', { customer_id: 'cus_0002', amount: 4550, currency: 'eur' },
      { customer_id: 'cus_0002', amount: 4550, currency: 'eur' },
      { customer_id: 'cus_0002', amount: 4550, currency: 'eur', status: 'pending', created_at: '2025-06-15T12:00:00Z' }],
  ];
  for (const [version, sent, upstreamGot, answer] of cases) {
    it(`POST /orders at ${version}`, async () => {
      const res = await call(version, 'POST', '/orders', sent);
      expect(res.status).toBe(201);
      const { id, ...rest } = res.body as Record<string, unknown>;
      expect(id).toMatch(/^ord_\d{4}$/);
      expect(rest).toEqual(answer);
      const seen = lastUpstream();
      expect(JSON.parse(seen.body)).toEqual(upstreamGot);
      expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(seen.body)));
      expect(seen.headers['api-version']).toBe('2025-06-01');
    });
  }
});

describe('bad input and failing changes', () => {
  it('answers 400 problem+json for a body that is not JSON where a change needs it, and sends nothing upstream', async () => {
    const before = g.upstream.length;
    const res = await call('2024-01-01', 'POST', '/orders', '{"customer": ');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    const { request_id, detail, ...body } = res.body as Record<string, unknown>;
    expect(request_id).toMatch(UUID);
    expect(detail).toMatch(/^The request body must be JSON for this operation in this version: /);
    expect(body).toEqual({ type: 'https://verso.dev/problems/invalid-json', title: 'Request body is not valid JSON', status: 400, code: 'VERSO_INVALID_JSON' });
    expect(g.upstream.length).toBe(before);
  });

  it('answers 404 problem+json for an endpoint path that does not exist at all', async () => {
    const res = await call('2024-01-01', 'GET', '/orders/ord_0001/refunds');
    expect(res.status).toBe(404);
  });
});

describe('a change that throws at request time', () => {
  let broken: DemoGateway;
  beforeAll(async () => { broken = await startDemoGateway({ versionsDir: 'test/e2e/fixtures/throwing-change' }); });
  afterAll(async () => { await broken.close(); });

  it('yields 500 problem+json naming the change, logs it, and keeps serving', async () => {
    const res = await fetch(`${broken.url}/orders/ord_0001`, { headers: { 'api-version': '2024-09-01' } });
    expect(res.status).toBe(500);
    const { request_id, ...body } = await res.json() as Record<string, unknown>;
    expect(body).toEqual({
      type: 'https://verso.dev/problems/change-failed', title: 'A version change failed', status: 500, code: 'VERSO_CHANGE_FAILED',
      detail: 'The change amount-boom failed while translating this request; it is logged with this request_id.',
      change: 'amount-boom',
    });
    await new Promise((r) => setTimeout(r, 20));
    const line = broken.logs.find((l) => l.msg === 'change failed')!;
    expect(line).toMatchObject({ change: 'amount-boom', reqId: request_id });
    expect((line.err as { message: string }).message).toBe('kaboom');
    const healthy = await fetch(`${broken.url}/customers/cus_0001`, { headers: { 'api-version': '2024-09-01' } });
    expect(healthy.status).toBe(200);
  });
});

describe('streaming where nothing changes', () => {
  it('plans no translation, so the body streams, for operations no change touches between the versions', async () => {
    const config = loadConfigFile('gateway.yaml', { env: { DEMO_UPSTREAM_URL: 'http://127.0.0.1:1' } });
    const translator = (await loadTranslator(config))!;
    // Customer and Error changed in 2024-09-01, nothing a customer read returns changed since.
    const untouched = { operation: 'GET /customers/{id}', upstreamPath: '/customers/cus_0003', request: undefined, response: undefined };
    expect(translator.plan('GET', '/customers/cus_0003', '2024-09-01', '2025-06-01')).toStrictEqual(untouched);
    expect(translator.plan('GET', '/customers/cus_0003', '2025-06-01', '2025-06-01')).toStrictEqual(untouched);
    // A path that is no operation of the spec has no plan of the translator's; its route plans it.
    expect(translator.plan('GET', '/customers/cus_0003/notes', '2024-01-01', '2025-06-01')).toBeUndefined();
    const older = translator.plan('GET', '/customers/cus_0003', '2024-01-01', '2025-06-01');
    expect(older && typeof older === 'object' && older.response?.changeIds).toEqual(['2024-09-01/customer-full-name', '2024-09-01/error-code']);
    expect(older && typeof older === 'object' && older.request).toBeUndefined();
  });
});
