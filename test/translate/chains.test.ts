/**
 * Chains over several versions: a client two or three versions behind gets every step, in
 * order; a client newer than its upstream gets the declarative instructions in reverse (request
 * down, response up); and a chain that needs a hook in the direction it lacks is refused when
 * the Translator is built, not at request time.
 */
import { describe, expect, it } from 'vitest';
import { change, endpoint, schema } from '../../gateway/index.js';
import { TranslationError } from '../../gateway/translate/bundle.js';
import { buildRequestChain, buildResponseChain } from '../../gateway/translate/chain.js';
import { NOT_IN_VERSION, routedVersions, Translator, type Plan } from '../../gateway/translate/translator.js';
import { loadConfigText } from '../../gateway/config/load.js';
import { answers, modelOf, openapi, ref, respond, send, takes } from './helpers.js';

const V4 = '2025-06-01';
const V3 = '2024-09-01';
const V2 = '2024-01-01';
const V1 = '2023-06-01';

function shop() {
  return openapi(V4, {
    Order: {
      type: 'object',
      properties: { id: { type: 'string' }, total: { type: 'integer' }, customer_id: { type: 'string' }, status: { type: 'string', enum: ['open', 'canceled'] } },
    },
  }, {
    '/orders': { post: takes(ref('Order'), ref('Order'), 201) },
    '/orders/{id}': { get: answers(ref('Order')) },
  });
}

// Each step names the field as its own version has it: `total` at V4 was `amount` at V3, and
// only then was `amount` converted from a decimal string (V3) — so the order of steps matters.
const totalRenamed = change({ description: 'amount is renamed total', instructions: [schema('Order').field('total').renamedFrom('amount')] });
const amountMinor = change({
  description: 'amount is in minor units',
  instructions: [schema('Order').field('amount').converted({ schema: { type: 'string' }, up: (v) => Math.round(Number(v) * 100), down: (v) => ((v as number) / 100).toFixed(2) })],
});
const customerAdded = change({
  description: 'orders have a customer; cancelled is spelled canceled',
  instructions: [
    schema('Order').field('customer_id').added({ default: 'cus_anonymous' }),
    schema('Order').field('status').enumValueRenamed({ from: 'cancelled', to: 'canceled' }),
  ],
});

const model = () => modelOf(shop(), [
  [V4, { 'total-renamed': totalRenamed }],
  [V3, { 'amount-minor': amountMinor }],
  [V2, { 'customer-added': customerAdded }],
  [V1, {}],
]);

const head = { id: 'o1', total: 1250, customer_id: 'cus_1', status: 'canceled' };
const atV3 = { id: 'o1', amount: 1250, customer_id: 'cus_1', status: 'canceled' };
const atV2 = { id: 'o1', amount: '12.50', customer_id: 'cus_1', status: 'canceled' };
const atV1 = { id: 'o1', amount: '12.50', status: 'cancelled' };

describe('a client behind its upstream', () => {
  it('gets every step down, newest first, for a client three versions behind', () => {
    expect(respond(model(), 'GET /orders/{id}', V4, V1, { body: head }).body).toEqual(atV1);
  });

  it('gets the steps down to its own version and no further', () => {
    expect(respond(model(), 'GET /orders/{id}', V4, V3, { body: head }).body).toEqual(atV3);
    expect(respond(model(), 'GET /orders/{id}', V4, V2, { body: head }).body).toEqual(atV2);
  });

  it('has its requests moved up through every step, oldest first', () => {
    expect(send(model(), 'POST /orders', V1, V4, { body: atV1 }).body).toEqual({ ...head, customer_id: 'cus_anonymous' });
    expect(send(model(), 'POST /orders', V2, V4, { body: atV2 }).body).toEqual(head);
  });

  it('lists the changes a chain applies, in the order it applies them', () => {
    const m = model();
    expect(buildResponseChain(m, 'GET /orders/{id}', V4, V1).changeIds).toEqual([`${V4}/total-renamed`, `${V3}/amount-minor`, `${V2}/customer-added`]);
    expect(buildRequestChain(m, 'POST /orders', V1, V4).changeIds).toEqual([`${V2}/customer-added`, `${V3}/amount-minor`, `${V4}/total-renamed`]);
  });

  it('is served by an upstream at an intermediate version with only the steps between them', () => {
    expect(respond(model(), 'GET /orders/{id}', V3, V1, { body: atV3 }).body).toEqual(atV1);
    expect(send(model(), 'POST /orders', V1, V3, { body: atV1 }).body).toEqual({ ...atV3, customer_id: 'cus_anonymous' });
  });
});

describe('a client newer than its upstream', () => {
  it('has its requests moved down through the declarative instructions', () => {
    expect(send(model(), 'POST /orders', V4, V2, { body: head }).body).toEqual(atV2);
    expect(send(model(), 'POST /orders', V4, V1, { body: head }).body).toEqual(atV1);
  });

  it('has the upstream\'s responses moved up, defaults filled in', () => {
    expect(respond(model(), 'GET /orders/{id}', V2, V4, { body: atV2 }).body).toEqual(head);
    expect(respond(model(), 'GET /orders/{id}', V1, V3, { body: atV1 }).body).toEqual({ ...atV3, customer_id: 'cus_anonymous' });
  });

  it('gets the same through the Translator', () => {
    const plan = new Translator(model(), [V2]).plan('GET', '/orders/o1', V4, V2) as Plan;
    const parts = { status: 200, headers: {}, body: structuredClone(atV2) };
    plan.response!.run(parts);
    expect({ path: plan.upstreamPath, request: plan.request, body: parts.body }).toEqual({ path: '/orders/o1', request: undefined, body: head });
  });
});

describe('hooks a chain cannot run', () => {
  const hooked = () => modelOf(shop(), [
    [V4, { 'total-renamed': totalRenamed }],
    [V3, {
      'amount-minor': amountMinor,
      hooks: change({
        description: 'hooks on both operations',
        instructions: [endpoint('POST /orders').request((r) => { r.headers['x-v3'] = '1'; }), endpoint('GET /orders/{id}').response((r) => { r.headers['x-v3'] = '1'; })],
      }),
    }],
    [V2, { 'customer-added': customerAdded }],
    [V1, {}],
  ]);

  it('run for clients behind their upstream', () => {
    expect(send(hooked(), 'POST /orders', V1, V4, { body: atV1 }).headers).toEqual({ 'x-v3': '1' });
    expect(respond(hooked(), 'GET /orders/{id}', V4, V1, { body: head }).headers).toEqual({ 'x-v3': '1' });
    expect(() => new Translator(hooked(), [V4])).not.toThrow();
  });

  it('refuse to start when a newer client would need them the other way', () => {
    let error: unknown;
    try { new Translator(hooked(), [V2]); } catch (err) { error = err; }
    expect(error).toBeInstanceOf(TranslationError);
    expect((error as TranslationError).problems).toEqual([
      { file: `/virtual/versions/${V3}/hooks.ts`, message: `POST /orders: ${V3}/hooks: its request function moves requests up only, but clients at ${V3} are routed to an upstream speaking the older ${V2}` },
      { file: `/virtual/versions/${V3}/hooks.ts`, message: `GET /orders/{id}: ${V3}/hooks: its response function moves responses down only, but clients at ${V3} are routed to an upstream speaking the older ${V2}` },
      { file: `/virtual/versions/${V3}/hooks.ts`, message: `POST /orders: ${V3}/hooks: its request function moves requests up only, but clients at ${V4} are routed to an upstream speaking the older ${V2}` },
      { file: `/virtual/versions/${V3}/hooks.ts`, message: `GET /orders/{id}: ${V3}/hooks: its response function moves responses down only, but clients at ${V4} are routed to an upstream speaking the older ${V2}` },
    ]);
  });

  it('do not stop start-up for routings that cannot occur: only the clients routed to the older upstream count', () => {
    // V1 and V2 clients go to a legacy upstream speaking V2; V3 and V4 clients to the head.
    expect(() => new Translator(hooked(), (client) => (client === V1 || client === V2 ? [V2] : [V4]))).not.toThrow();
    expect(send(hooked(), 'POST /orders', V1, V2, { body: atV1 }).headers).toEqual({});
  });

  it('do not stop a newer client whose chain does not cross them', () => {
    // V2 → V1 crosses only the customer-added step, which has no hooks.
    expect(() => buildRequestChain(hooked(), 'POST /orders', V2, V1)).not.toThrow();
    expect(() => buildResponseChain(hooked(), 'GET /orders/{id}', V1, V2)).not.toThrow();
  });
});

describe('names that change more than once', () => {
  it('maps a path renamed in two versions from the oldest name to the newest', () => {
    const m = modelOf(shop(), [
      [V4, { path: change({ description: 'purchases are orders', instructions: [endpoint('GET /orders/{id}').renamedFrom('/purchases/{id}')] }) }],
      [V3, { path: change({ description: 'buys are purchases', instructions: [endpoint('GET /purchases/{id}').renamedFrom('/buys/{id}')] }) }],
      [V2, {}],
      [V1, {}],
    ]);
    const translator = new Translator(m, [V4]);
    expect((translator.plan('GET', '/buys/o1', V1, V4) as Plan).upstreamPath).toBe('/orders/o1');
    expect((translator.plan('GET', '/purchases/o1', V3, V4) as Plan).upstreamPath).toBe('/orders/o1');
    expect([...m.operationKeys.get(V1)!]).toEqual([['POST /orders', 'POST /orders'], ['GET /orders/{id}', 'GET /buys/{id}']]);
  });

  it('translates a schema by the name each version gives it', () => {
    const m = modelOf(shop(), [
      [V4, { name: change({ description: 'Purchase is Order', instructions: [schema('Order').renamedFrom('Purchase')] }) }],
      [V3, { 'total-renamed': change({ description: 'amount is total', instructions: [schema('Purchase').field('total').renamedFrom('amount')] }) }],
      [V2, {}],
      [V1, {}],
    ]);
    expect(respond(m, 'GET /orders/{id}', V4, V1, { body: { id: 'o1', total: 5 } }).body).toEqual({ id: 'o1', amount: 5 });
    expect(send(m, 'POST /orders', V1, V4, { body: { id: 'o1', amount: 5 } }).body).toEqual({ id: 'o1', total: 5 });
    expect(Object.keys(m.docs.get(V1)!.components!.schemas!)).toEqual(['Purchase']);
  });
});

describe('the routings a config can produce', () => {
  it('are, per client version, the versions its routes\' upstreams speak, overrides included', () => {
    const config = loadConfigText(`
versions: [{ id: "2024-01-01" }, { id: "2025-06-01" }]
upstreams:
  shop: { url: "http://127.0.0.1:1", speaks: head }
  legacy: { url: "http://127.0.0.1:2", speaks: "2024-01-01" }
routes:
  - prefix: /orders
    upstream: shop
    overrides: [{ versions: ["2024-01-01"], upstream: legacy }]
  - { prefix: /customers, upstream: shop }
`, 'routes.yaml');
    const routed = routedVersions(config);
    expect(routed('2024-01-01')).toEqual(['2024-01-01', '2025-06-01']);
    expect(routed('2025-06-01')).toEqual(['2025-06-01', '2025-06-01']);
  });
});

describe('an endpoint removed in a version', () => {
  const NEW = '2025-01-01';
  const OLD = '2024-01-01';
  const thing = { type: 'object', properties: { id: { type: 'string' } } };
  const head = () => openapi(NEW, { Thing: thing }, { '/things/{id}': { get: answers(ref('Thing')) } });
  const summary = { summary: 'A thing in one line', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'The summary.' } } };
  const removed = change({ description: 'GET /things/{id}/summary is gone.', instructions: [endpoint('GET /things/{id}/summary').removed({ operation: summary })] });
  const model = () => modelOf(head(), [[NEW, { removed }], [OLD, {}]]);

  it('is in the older document as it was, and not in the newer', () => {
    expect(model().docs.get(OLD)!.paths!['/things/{id}/summary']).toEqual({ get: summary });
    expect(model().docs.get(NEW)!.paths!['/things/{id}/summary']).toBeUndefined();
  });

  it('goes upstream as it is for older clients, and is not in the version for newer ones', () => {
    const translator = new Translator(model(), [NEW]);
    expect(translator.plan('GET', '/things/t1/summary', OLD, NEW)).toEqual({ operation: 'GET /things/{id}/summary', upstreamPath: '/things/t1/summary', request: undefined, response: undefined });
    expect(translator.plan('GET', '/things/t1/summary', NEW, NEW)).toBe(NOT_IN_VERSION);
    expect(translator.plan('GET', '/things/t1/other', NEW, NEW)).toBeUndefined();
  });

  it('is refused for an endpoint the version still has, or one not named METHOD /path', () => {
    const still = change({ description: 'x', instructions: [endpoint('GET /things/{id}').removed()] });
    expect(() => modelOf(head(), [[NEW, { still }], [OLD, {}]])).toThrow(/GET \/things\/\{id\} still exists at 2025-01-01; removed\(\) describes an endpoint this version no longer has/);
    const unnamed = change({ description: 'x', instructions: [endpoint('getSummary').removed()] });
    expect(() => modelOf(head(), [[NEW, { unnamed }], [OLD, {}]])).toThrow(/"getSummary" is not "METHOD \/path"/);
  });
});
