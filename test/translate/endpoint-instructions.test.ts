/**
 * Endpoint instructions: an endpoint added or renamed (what Translator.plan answers and where
 * the request goes), a status code changed, a header renamed, and the request/response escape
 * hatches — with the older document each derives.
 */
import { describe, expect, it } from 'vitest';
import { change, endpoint, schema } from '../../gateway/index.js';
import { NOT_IN_VERSION, Translator, type Plan } from '../../gateway/translate/translator.js';
import { answers, json, modelOf, openapi, ref, respond, send, takes } from './helpers.js';

const NEW = '2025-01-01';
const OLD = '2024-01-01';

const order = { type: 'object', properties: { id: { type: 'string' }, amount: { type: 'integer' } } };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

function shop() {
  return openapi(NEW, { Order: structuredClone(order) }, {
    '/orders': { get: answers({ type: 'array', items: ref('Order') }), post: takes(ref('Order'), ref('Order'), 201) },
    '/orders/{id}': { parameters: [idParam], get: answers(ref('Order')) },
    '/orders/{id}/refunds': { post: answers(ref('Order'), 201) },
  });
}

describe('endpoint added', () => {
  const model = () => modelOf(shop(), [[NEW, { refunds: change({ description: 'refunds are new', instructions: [endpoint('POST /orders/{id}/refunds').added()] }) }], [OLD, {}]]);

  it('answers NOT_IN_VERSION to older clients calling it', () => {
    expect(new Translator(model(), [NEW]).plan('POST', '/orders/o1/refunds', OLD, NEW)).toBe(NOT_IN_VERSION);
  });

  it('passes requests of clients at its version through untouched', () => {
    expect(new Translator(model(), [NEW]).plan('POST', '/orders/o1/refunds', NEW, NEW)).toEqual({ operation: 'POST /orders/{id}/refunds', upstreamPath: '/orders/o1/refunds', request: undefined, response: undefined });
  });

  it('is gone from the older document and its operation list', () => {
    const m = model();
    expect(Object.keys(m.docs.get(OLD)!.paths!)).toEqual(['/orders', '/orders/{id}']);
    expect([...m.operationKeys.get(OLD)!.keys()]).toEqual(['GET /orders', 'POST /orders', 'GET /orders/{id}']);
  });

  it('can be named by operationId', () => {
    const head = shop();
    head.paths!['/orders/{id}/refunds']!.post!.operationId = 'createRefund';
    const m = modelOf(head, [[NEW, { refunds: change({ description: 'refunds are new', instructions: [endpoint('createRefund').added()] }) }], [OLD, {}]]);
    expect(m.docs.get(OLD)!.paths!['/orders/{id}/refunds']).toBeUndefined();
  });
});

describe('endpoint renamed', () => {
  const renamed = change({ description: 'purchases are orders', instructions: [endpoint('GET /orders/{id}').renamedFrom('/purchases/{id}')] });
  const model = () => modelOf(shop(), [[NEW, { path: renamed }], [OLD, {}]]);

  it('sends older clients\' requests on the old path to the new one, with its parameters', () => {
    const plan = new Translator(model(), [NEW]).plan('GET', '/purchases/o%201', OLD, NEW) as Plan;
    expect({ operation: plan.operation, upstreamPath: plan.upstreamPath }).toEqual({ operation: 'GET /orders/{id}', upstreamPath: '/orders/o%201' });
  });

  it('answers NOT_IN_VERSION to an older client calling the new path', () => {
    expect(new Translator(model(), [NEW]).plan('GET', '/orders/o1', OLD, NEW)).toBe(NOT_IN_VERSION);
  });

  it('sends a newer client\'s request to an older upstream on the old path', () => {
    const plan = new Translator(model(), [OLD]).plan('GET', '/orders/o1', NEW, OLD) as Plan;
    expect(plan.upstreamPath).toBe('/purchases/o1');
  });

  it('moves the operation to the old path in the older document, path parameters included', () => {
    const older = model().docs.get(OLD)!;
    expect(Object.keys(older.paths!)).toEqual(['/orders', '/orders/{id}/refunds', '/purchases/{id}']);
    expect(older.paths!['/purchases/{id}']).toEqual({ get: answers(ref('Order')), parameters: [idParam] });
    expect(model().operationKeys.get(OLD)!.get('GET /orders/{id}')).toBe('GET /purchases/{id}');
  });

  it('keeps translating bodies of the renamed operation', () => {
    const m = modelOf(shop(), [[NEW, {
      path: renamed,
      amount: change({ description: 'amount was total', instructions: [schema('Order').field('amount').renamedFrom('total')] }),
    }], [OLD, {}]]);
    const plan = new Translator(m, [NEW]).plan('GET', '/purchases/o1', OLD, NEW) as Plan;
    const parts = { status: 200, headers: {}, body: { id: 'o1', amount: 5 } };
    plan.response!.run(parts);
    expect(parts.body).toEqual({ id: 'o1', total: 5 });
  });
});

describe('status changed', () => {
  const model = () => modelOf(shop(), [[NEW, {
    created: change({ description: 'POST /orders answers 201', instructions: [endpoint('POST /orders').statusChanged({ from: 200, to: 201 })] }),
    amount: change({ description: 'amount was total', instructions: [schema('Order').field('amount').renamedFrom('total')] }),
  }], [OLD, {}]]);

  it('gives older clients the old status, with the body translated as the new status\'s', () => {
    expect(respond(model(), 'POST /orders', NEW, OLD, { status: 201, body: { id: 'o1', amount: 5 } })).toEqual({ status: 200, headers: {}, body: { id: 'o1', total: 5 } });
  });

  it('leaves other statuses alone', () => {
    expect(respond(model(), 'POST /orders', NEW, OLD, { status: 400, body: { id: 'o1', amount: 5 } }).status).toBe(400);
  });

  it('maps the old status to the new one for a newer client of an older upstream', () => {
    expect(respond(model(), 'POST /orders', OLD, NEW, { status: 200, body: { id: 'o1', total: 5 } })).toEqual({ status: 201, headers: {}, body: { id: 'o1', amount: 5 } });
  });

  it('documents the old status in the older document, in place', () => {
    expect(model().docs.get(OLD)!.paths!['/orders']!.post).toEqual(takes(ref('Order'), ref('Order'), 200));
  });
});

describe('header renamed', () => {
  const model = () => modelOf(shop(), [[NEW, {
    headers: change({
      description: 'headers renamed',
      instructions: [
        endpoint('POST /orders').headerRenamed({ in: 'request', from: 'X-Idempotency', to: 'Idempotency-Key' }),
        endpoint('GET /orders').headerRenamed({ in: 'response', from: 'X-Total', to: 'X-Total-Count' }),
      ],
    }),
  }], [OLD, {}]]);

  it('renames a request header of older clients up', () => {
    expect(send(model(), 'POST /orders', OLD, NEW, { headers: { 'x-idempotency': 'k1', accept: 'application/json' } }).headers)
      .toEqual({ accept: 'application/json', 'idempotency-key': 'k1' });
  });

  it('renames a response header for older clients down', () => {
    expect(respond(model(), 'GET /orders', NEW, OLD, { headers: { 'x-total-count': '7' }, body: [] }).headers).toEqual({ 'x-total': '7' });
  });

  it('renames both the other way for a newer client of an older upstream', () => {
    expect(send(model(), 'POST /orders', NEW, OLD, { headers: { 'idempotency-key': 'k1' } }).headers).toEqual({ 'x-idempotency': 'k1' });
    expect(respond(model(), 'GET /orders', OLD, NEW, { headers: { 'x-total': '7' }, body: [] }).headers).toEqual({ 'x-total-count': '7' });
  });

  it('leaves requests without the header alone', () => {
    expect(send(model(), 'POST /orders', OLD, NEW, { headers: { accept: '*/*' } }).headers).toEqual({ accept: '*/*' });
  });
});

describe('request and response hooks', () => {
  const model = () => modelOf(shop(), [[NEW, {
    envelope: change({
      description: 'GET /orders answered a page object, and took page instead of offset',
      instructions: [
        schema('Order').field('amount').renamedFrom('total'),
        endpoint('GET /orders').request((req) => {
          if (typeof req.query.page === 'string') { req.query.offset = String((Number(req.query.page) - 1) * 10); delete req.query.page; }
        }),
        endpoint('GET /orders').response((res) => { res.body = { data: res.body ?? null }; }, {
          status: 200,
          schema: { type: 'object', properties: { data: { type: 'array', items: ref('Order') } } },
        }),
      ],
    }),
  }], [OLD, {}]]);

  it('runs the request hook on older clients\' requests', () => {
    expect(send(model(), 'GET /orders', OLD, NEW, { query: { page: '3', sort: 'id' } }).query).toEqual({ sort: 'id', offset: '20' });
  });

  it('runs the response hook after the declarative instructions, for its status only', () => {
    expect(respond(model(), 'GET /orders', NEW, OLD, { status: 200, body: [{ id: 'o1', amount: 5 }] }).body).toEqual({ data: [{ id: 'o1', total: 5 }] });
    expect(respond(model(), 'GET /orders', NEW, OLD, { status: 500, body: [{ id: 'o1', amount: 5 }] }).body).toEqual([{ id: 'o1', amount: 5 }]);
  });

  it('asks for the body of the hooked status only', async () => {
    const { buildResponseChain } = await import('../../gateway/translate/chain.js');
    const chain = buildResponseChain(model(), 'GET /orders', NEW, OLD);
    expect([chain.needsBody(200), chain.needsBody(404)]).toEqual([true, false]);
  });

  it('documents the hook\'s schema as the older response body', () => {
    expect(model().docs.get(OLD)!.paths!['/orders']!.get).toEqual({
      responses: { 200: { description: 'ok', ...json({ type: 'object', properties: { data: { type: 'array', items: ref('Order') } } }) } },
    });
  });
});
