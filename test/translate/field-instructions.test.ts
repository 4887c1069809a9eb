/**
 * Each schema instruction on its own: what it does to a response moved down, to a request moved
 * up, and to the component schema of the derived older document. Shapes are small inline
 * documents; where the schema occurs (nested, arrays, …) is covered by locate.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { change, endpoint, schema, type FieldInstruction, type Json, type JsonObject } from '../../gateway/index.js';
import { answers, modelOf, openapi, ref, respond, schemaAt, send, takes } from './helpers.js';
import { componentSchemas } from '../../gateway/translate/spec.js';
import { prove } from '../../gateway/translate/prove/prove.js';

const NEW = '2025-01-01';
const OLD = '2024-01-01';

const customer = {
  type: 'object',
  required: ['id', 'name'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' } },
};

/** GET /customers/{id} answers a Customer; POST /customers takes and answers one. */
function customerApi(schemas: Record<string, Record<string, unknown>> = {}) {
  return openapi(NEW, { Customer: structuredClone(customer), ...schemas }, {
    '/customers/{id}': { get: answers(ref('Customer')) },
    '/customers': { post: takes(ref('Customer')) },
  });
}

describe('field renamed', () => {
  const model = () => modelOf(customerApi(), [[NEW, { rename: change({ description: 'name was full_name', instructions: [schema('Customer').field('name').renamedFrom('full_name')] }) }], [OLD, {}]]);

  it('gives older clients the old name, in the same key position', () => {
    const out = respond(model(), 'GET /customers/{id}', NEW, OLD, { body: { id: 'c1', name: 'Ada', email: 'a@x.io' } });
    expect(out.body).toEqual({ id: 'c1', full_name: 'Ada', email: 'a@x.io' });
    expect(Object.keys(out.body as JsonObject)).toEqual(['id', 'full_name', 'email']);
  });

  it('moves the old name of a request up to the new one', () => {
    const out = send(model(), 'POST /customers', OLD, NEW, { body: { id: 'c1', full_name: 'Ada' } });
    expect(out.body).toEqual({ id: 'c1', name: 'Ada' });
  });

  it('leaves a body without the field alone', () => {
    expect(respond(model(), 'GET /customers/{id}', NEW, OLD, { body: { id: 'c1' } }).body).toEqual({ id: 'c1' });
  });

  it('renames the property and its required entry in the older document', () => {
    expect(schemaAt(model(), OLD, 'Customer')).toEqual({
      type: 'object',
      required: ['id', 'full_name'],
      properties: { id: { type: 'string' }, full_name: { type: 'string' }, email: { type: 'string' } },
    });
    expect(schemaAt(model(), NEW, 'Customer')).toEqual(customer);
  });

  describe('two renames rotating names in one schema', () => {
    const head = () => openapi(NEW, {
      Customer: structuredClone(customer),
      Order: {
        type: 'object',
        required: ['customer_id'],
        properties: { customer_id: { type: 'string' }, customer: ref('Customer') },
      },
    }, { '/orders': { post: takes(ref('Order')) } });
    const rotation = change({
      description: 'customer (the id) is customer_id; customer_details (the object) is customer',
      instructions: [
        schema('Order').field('customer_id').renamedFrom('customer'),
        schema('Order').field('customer').renamedFrom('customer_details'),
      ],
    });
    const model = () => modelOf(head(), [[NEW, { rotation }], [OLD, {}]]);

    it('applies both renames at once going down', () => {
      const out = respond(model(), 'POST /orders', NEW, OLD, { body: { customer_id: 'c1', customer: { id: 'c1', name: 'Ada' } } });
      expect(out.body).toEqual({ customer: 'c1', customer_details: { id: 'c1', name: 'Ada' } });
    });

    it('applies both renames at once going up', () => {
      const out = send(model(), 'POST /orders', OLD, NEW, { body: { customer: 'c1', customer_details: { id: 'c1', name: 'Ada' } } });
      expect(out.body).toEqual({ customer_id: 'c1', customer: { id: 'c1', name: 'Ada' } });
    });

    it('rotates the property names in the older document', () => {
      expect(schemaAt(model(), OLD, 'Order')).toEqual({
        type: 'object',
        required: ['customer'],
        properties: { customer: { type: 'string' }, customer_details: ref('Customer') },
      });
    });
  });
});

describe('field added', () => {
  const withDefault = (fallback: Json | ((o: JsonObject) => Json) | undefined) => modelOf(customerApi(), [
    [NEW, { added: change({ description: 'email is new', instructions: [schema('Customer').field('email').added(fallback === undefined ? {} : { default: fallback })] }) }],
    [OLD, {}],
  ]);

  it('is dropped from responses to older clients', () => {
    const out = respond(withDefault(undefined), 'GET /customers/{id}', NEW, OLD, { body: { id: 'c1', name: 'Ada', email: 'a@x.io' } });
    expect(out.body).toEqual({ id: 'c1', name: 'Ada' });
  });

  it('is left out of older requests moved up when it has no default', () => {
    expect(send(withDefault(undefined), 'POST /customers', OLD, NEW, { body: { id: 'c1', name: 'Ada' } }).body).toEqual({ id: 'c1', name: 'Ada' });
  });

  it('gets its default value in older requests moved up', () => {
    expect(send(withDefault('none@x.io'), 'POST /customers', OLD, NEW, { body: { id: 'c1', name: 'Ada' } }).body)
      .toEqual({ id: 'c1', name: 'Ada', email: 'none@x.io' });
  });

  it('keeps a value an older client sent anyway', () => {
    expect(send(withDefault('none@x.io'), 'POST /customers', OLD, NEW, { body: { id: 'c1', name: 'Ada', email: 'a@x.io' } }).body)
      .toEqual({ id: 'c1', name: 'Ada', email: 'a@x.io' });
  });

  it('gets the value of its default function, computed from the object', () => {
    const model = withDefault((c) => `${String(c.id)}@example.com`);
    expect(send(model, 'POST /customers', OLD, NEW, { body: { id: 'c1', name: 'Ada' } }).body)
      .toEqual({ id: 'c1', name: 'Ada', email: 'c1@example.com' });
  });

  it('gives each request its own copy of an object default', () => {
    const model = modelOf(customerApi({ Tagged: { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } } } } }), [
      [NEW, { added: change({ description: 'tags', instructions: [schema('Customer').field('email').added({ default: ['x'] })] }) }],
      [OLD, {}],
    ]);
    const first = send(model, 'POST /customers', OLD, NEW, { body: { id: 'c1' } }).body as { email: string[] };
    first.email.push('mutated');
    expect(send(model, 'POST /customers', OLD, NEW, { body: { id: 'c2' } }).body).toEqual({ id: 'c2', email: ['x'] });
  });

  it('is gone from the older document, and from its required list', () => {
    const head = customerApi();
    componentSchemas(head).Customer.required!.push('email');
    const model = modelOf(head, [[NEW, { added: change({ description: 'email is new', instructions: [schema('Customer').field('email').added()] }) }], [OLD, {}]]);
    expect(schemaAt(model, OLD, 'Customer')).toEqual({
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'string' }, name: { type: 'string' } },
    });
  });
});

describe('field removed', () => {
  const order = () => openapi(NEW, {
    Order: { type: 'object', required: ['id', 'amount'], properties: { id: { type: 'string' }, amount: { type: 'integer' } } },
  }, { '/orders': { post: takes(ref('Order')) } });
  const removed = (options: Parameters<ReturnType<ReturnType<typeof schema>['field']>['removed']>[0]) => modelOf(order(), [
    [NEW, { removed: change({ description: 'total is gone', instructions: [schema('Order').field('total').removed(options)] }) }],
    [OLD, {}],
  ]);

  it('is derived for older clients from the object as this version has it', () => {
    const model = removed({ schema: { type: 'integer' }, derive: (o) => (o.amount as number) * 2 });
    expect(respond(model, 'POST /orders', NEW, OLD, { body: { id: 'o1', amount: 5 } }).body).toEqual({ id: 'o1', amount: 5, total: 10 });
  });

  it('is left out when the derivation gives undefined', () => {
    const model = removed({ schema: { type: 'integer' }, derive: () => undefined });
    expect(respond(model, 'POST /orders', NEW, OLD, { body: { id: 'o1', amount: 5 } }).body).toEqual({ id: 'o1', amount: 5 });
  });

  it('gets its default for older clients when it has no derivation', () => {
    const model = removed({ schema: { type: 'integer' }, default: 0 });
    expect(respond(model, 'POST /orders', NEW, OLD, { body: { id: 'o1', amount: 5 } }).body).toEqual({ id: 'o1', amount: 5, total: 0 });
  });

  it('is dropped from older requests moved up', () => {
    const model = removed({ schema: { type: 'integer' }, default: 0 });
    expect(send(model, 'POST /orders', OLD, NEW, { body: { id: 'o1', amount: 5, total: 10 } }).body).toEqual({ id: 'o1', amount: 5 });
  });

  it('is mapped into the newer object by up before it is dropped', () => {
    const model = removed({ schema: { type: 'integer' }, default: 0, up: (total, o) => { o.amount = (total as number) / 2; } });
    expect(send(model, 'POST /orders', OLD, NEW, { body: { id: 'o1', total: 10 } }).body).toEqual({ id: 'o1', amount: 5 });
  });

  it('is back in the older document, required when derived or defaulted', () => {
    const model = removed({ schema: { type: 'integer', minimum: 0 }, derive: (o) => o.amount });
    expect(schemaAt(model, OLD, 'Order')).toEqual({
      type: 'object',
      required: ['id', 'amount', 'total'],
      properties: { id: { type: 'string' }, amount: { type: 'integer' }, total: { type: 'integer', minimum: 0 } },
    });
  });

  it('is optional in the older document when required: false', () => {
    const model = removed({ schema: { type: 'integer' }, derive: (o) => o.amount, required: false });
    expect(schemaAt(model, OLD, 'Order')).toEqual({
      type: 'object',
      required: ['id', 'amount'],
      properties: { id: { type: 'string' }, amount: { type: 'integer' }, total: { type: 'integer' } },
    });
  });
});

describe('field converted', () => {
  const model = () => modelOf(openapi(NEW, {
    Order: { type: 'object', properties: { id: { type: 'string' }, amount: { type: 'integer', minimum: 1 } } },
  }, { '/orders': { post: takes(ref('Order')) } }), [
    [NEW, {
      cents: change({
        description: 'amount is in cents',
        instructions: [schema('Order').field('amount').converted({
          schema: { type: 'string', pattern: '^\\d+\\.\\d{2}$' },
          up: (v) => Math.round(Number(v) * 100),
          down: (v) => ((v as number) / 100).toFixed(2),
        })],
      }),
    }],
    [OLD, {}],
  ]);

  it('converts the value down for older clients', () => {
    expect(respond(model(), 'POST /orders', NEW, OLD, { body: { id: 'o1', amount: 1250 } }).body).toEqual({ id: 'o1', amount: '12.50' });
  });

  it('converts the value of older requests up', () => {
    expect(send(model(), 'POST /orders', OLD, NEW, { body: { id: 'o1', amount: '12.50' } }).body).toEqual({ id: 'o1', amount: 1250 });
  });

  it('does not call the conversion for an absent field', () => {
    expect(send(model(), 'POST /orders', OLD, NEW, { body: { id: 'o1' } }).body).toEqual({ id: 'o1' });
  });

  it('describes the field as the older version had it', () => {
    expect(schemaAt(model(), OLD, 'Order')).toEqual({
      type: 'object',
      properties: { id: { type: 'string' }, amount: { type: 'string', pattern: '^\\d+\\.\\d{2}$' } },
    });
  });
});

describe('enum value renamed', () => {
  const head = () => openapi(NEW, {
    Order: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['pending', 'canceled'], default: 'canceled' },
        history: { type: 'array', items: { type: 'string', enum: ['pending', 'canceled'] } },
      },
    },
  }, { '/orders': { post: takes(ref('Order')) } });
  const model = () => modelOf(head(), [[NEW, {
    spelling: change({
      description: 'cancelled is spelled canceled',
      instructions: [
        schema('Order').field('status').enumValueRenamed({ from: 'cancelled', to: 'canceled' }),
        schema('Order').field('history').enumValueRenamed({ from: 'cancelled', to: 'canceled' }),
      ],
    }),
  }], [OLD, {}]]);

  it('spells a scalar value the old way for older clients, and leaves other values alone', () => {
    expect(respond(model(), 'POST /orders', NEW, OLD, { body: { status: 'canceled' } }).body).toEqual({ status: 'cancelled' });
    expect(respond(model(), 'POST /orders', NEW, OLD, { body: { status: 'pending' } }).body).toEqual({ status: 'pending' });
  });

  it('spells every matching item of an array-of-enum the old way', () => {
    expect(respond(model(), 'POST /orders', NEW, OLD, { body: { history: ['pending', 'canceled', 'canceled'] } }).body)
      .toEqual({ history: ['pending', 'cancelled', 'cancelled'] });
  });

  it('spells older requests the new way, scalar and array', () => {
    expect(send(model(), 'POST /orders', OLD, NEW, { body: { status: 'cancelled', history: ['cancelled', 'pending'] } }).body)
      .toEqual({ status: 'canceled', history: ['canceled', 'pending'] });
  });

  it('renames the value, and a default, in the older document', () => {
    expect(schemaAt(model(), OLD, 'Order')).toEqual({
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['pending', 'cancelled'], default: 'cancelled' },
        history: { type: 'array', items: { type: 'string', enum: ['pending', 'cancelled'] } },
      },
    });
  });

  it('renames the value of a field renamed in the same version, in both directions', () => {
    const renamed = openapi(NEW, {
      Order: { type: 'object', properties: { state: { type: 'string', enum: ['pending', 'canceled'] } } },
    }, { '/orders': { post: takes(ref('Order')) } });
    const model = modelOf(renamed, [[NEW, {
      state: change({
        description: 'status is state, and cancelled is spelled canceled',
        instructions: [
          schema('Order').field('state').renamedFrom('status'),
          schema('Order').field('state').enumValueRenamed({ from: 'cancelled', to: 'canceled' }),
        ],
      }),
    }], [OLD, {}]]);
    expect(respond(model, 'POST /orders', NEW, OLD, { body: { state: 'canceled' } }).body).toEqual({ status: 'cancelled' });
    expect(send(model, 'POST /orders', OLD, NEW, { body: { status: 'cancelled' } }).body).toEqual({ state: 'canceled' });
    expect(schemaAt(model, OLD, 'Order')).toEqual({ type: 'object', properties: { status: { type: 'string', enum: ['pending', 'cancelled'] } } });
  });
});

describe('schema renamed', () => {
  const head = () => openapi(NEW, {
    Order: { type: 'object', properties: { id: { type: 'string' } } },
    OrderList: { type: 'object', properties: { data: { type: 'array', items: ref('Order') } } },
  }, {
    '/orders': { get: answers(ref('OrderList')), post: takes(ref('Order')) },
  });
  const model = () => modelOf(head(), [[NEW, { name: change({ description: 'Purchase is Order', instructions: [schema('Order').renamedFrom('Purchase')] }) }], [OLD, {}]]);

  it('names the component by its old name in the older document, in the same position, with every $ref rewritten', () => {
    const older = model().docs.get(OLD)!;
    expect(older.components!.schemas).toEqual({
      Purchase: { type: 'object', properties: { id: { type: 'string' } } },
      OrderList: { type: 'object', properties: { data: { type: 'array', items: ref('Purchase') } } },
    });
    expect(Object.keys(older.components!.schemas!)).toEqual(['Purchase', 'OrderList']);
    expect(older.paths).toEqual({
      '/orders': { get: answers(ref('OrderList')), post: takes(ref('Purchase')) },
    });
  });

  it('leaves bodies untouched: no chain is active', async () => {
    const { buildRequestChain, buildResponseChain } = await import('../../gateway/translate/chain.js');
    expect(buildResponseChain(model(), 'GET /orders', NEW, OLD).active).toBe(false);
    expect(buildRequestChain(model(), 'POST /orders', OLD, NEW).active).toBe(false);
  });

  it('keeps translating the schema by its old name up, with a field change in the same version', () => {
    const both = modelOf(head(), [[NEW, {
      name: change({ description: 'Purchase is Order', instructions: [schema('Order').renamedFrom('Purchase')] }),
      id: change({ description: 'id was ref', instructions: [schema('Order').field('id').renamedFrom('ref')] }),
    }], [OLD, {}]]);
    expect(send(both, 'POST /orders', OLD, NEW, { body: { ref: 'o1' } }).body).toEqual({ id: 'o1' });
    expect(respond(both, 'GET /orders', NEW, OLD, { body: { data: [{ id: 'o1' }] } }).body).toEqual({ data: [{ ref: 'o1' }] });
    expect(schemaAt(both, OLD, 'Purchase')).toEqual({ type: 'object', properties: { ref: { type: 'string' } } });
  });

  it('rewrites discriminator mappings that name the schema', () => {
    const pets = openapi(NEW, {
      Cat: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' }, name: { type: 'string' } } },
      Dog: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' } } },
      Pet: { oneOf: [ref('Cat'), ref('Dog')], discriminator: { propertyName: 'kind', mapping: { cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog' } } },
    }, { '/pets': { post: takes(ref('Pet')) } });
    const model = modelOf(pets, [[NEW, {
      name: change({ description: 'Feline is Cat', instructions: [schema('Cat').renamedFrom('Feline')] }),
      field: change({ description: 'name was nickname', instructions: [schema('Cat').field('name').renamedFrom('nickname')] }),
    }], [OLD, {}]]);
    expect(schemaAt(model, OLD, 'Pet')).toEqual({
      oneOf: [ref('Feline'), ref('Dog')],
      discriminator: { propertyName: 'kind', mapping: { cat: '#/components/schemas/Feline', dog: '#/components/schemas/Dog' } },
    });
    expect(send(model, 'POST /pets', OLD, NEW, { body: { kind: 'cat', nickname: 'Tom' } }).body).toEqual({ kind: 'cat', name: 'Tom' });
    expect(send(model, 'POST /pets', OLD, NEW, { body: { kind: 'dog', nickname: 'Rex' } }).body).toEqual({ kind: 'dog', nickname: 'Rex' });
  });
});

describe('schema converted', () => {
  const model = (fns: { up?: (o: JsonObject) => void; down?: (o: JsonObject) => void }) => modelOf(customerApi(), [[NEW, {
    split: change({ description: 'Customer.name was first + last', instructions: [schema('Customer').converted(fns)] }),
  }], [OLD, {}]]);
  const down = (c: JsonObject) => { const [first, last] = String(c.name).split(' '); delete c.name; c.first = first; c.last = last; };
  const up = (c: JsonObject) => { c.name = `${String(c.first)} ${String(c.last)}`; delete c.first; delete c.last; };

  it('runs down on every object of the schema for older clients', () => {
    expect(respond(model({ up, down }), 'GET /customers/{id}', NEW, OLD, { body: { id: 'c1', name: 'Ada Lovelace' } }).body)
      .toEqual({ id: 'c1', first: 'Ada', last: 'Lovelace' });
  });

  it('runs up on every object of older requests', () => {
    expect(send(model({ up, down }), 'POST /customers', OLD, NEW, { body: { id: 'c1', first: 'Ada', last: 'Lovelace' } }).body)
      .toEqual({ id: 'c1', name: 'Ada Lovelace' });
  });

  it('has no up step when only down is given', () => {
    const m = model({ down });
    expect([...m.steps.get(NEW)!.objectOps.up.keys()]).toEqual([]);
    expect([...m.steps.get(NEW)!.objectOps.down.keys()]).toEqual(['Customer']);
    expect(send(m, 'POST /customers', OLD, NEW, { body: { id: 'c1', first: 'Ada' } }).body).toEqual({ id: 'c1', first: 'Ada' });
  });

  it('leaves the older document as it is (the functions describe no schema)', () => {
    expect(schemaAt(model({ up, down }), OLD, 'Customer')).toEqual(customer);
  });
});

describe('field renamed and converted in one version', () => {
  // 2025-01-01 renamed `score` to `rating` and made it a number; older clients know `score` as a string.
  const api = () => openapi(NEW, {
    Review: { type: 'object', required: ['id', 'rating'], properties: { id: { type: 'string' }, rating: { type: 'number' } } },
  }, { '/reviews/{id}': { get: answers(ref('Review')) }, '/reviews': { post: takes(ref('Review')) } });
  const both = change({
    description: 'Review.score (a string) is rating, a number.',
    instructions: [
      schema('Review').field('rating').renamedFrom('score'),
      schema('Review').field('rating').converted({ schema: { type: 'string' }, down: (v: Json) => String(v), up: (v: Json) => Number(v) }),
    ],
  });
  const model = () => modelOf(api(), [[NEW, { both }], [OLD, {}]]);

  it('is accepted: the name and the value are separate claims', () => {
    expect(() => model()).not.toThrow();
  });

  it('converts, then renames, going down; renames, then converts, going up', () => {
    expect(respond(model(), 'GET /reviews/{id}', NEW, OLD, { body: { id: 'r1', rating: 4.5 } }).body).toEqual({ id: 'r1', score: '4.5' });
    expect(send(model(), 'POST /reviews', OLD, NEW, { body: { id: 'r1', score: '3' } }).body).toEqual({ id: 'r1', rating: 3 });
  });

  it('gives the older document the old name with the old schema', () => {
    expect(schemaAt(model(), OLD, 'Review')).toEqual({ type: 'object', required: ['id', 'score'], properties: { id: { type: 'string' }, score: { type: 'string' } } });
  });

  it('still refuses two conversions of one field', () => {
    const twice = change({
      description: 'twice',
      instructions: [
        schema('Review').field('rating').converted({ schema: { type: 'string' }, down: (v: Json) => String(v), up: (v: Json) => Number(v) }),
        schema('Review').field('rating').converted({ schema: { type: 'integer' }, down: (v: Json) => Math.round(Number(v)), up: (v: Json) => v }),
      ],
    });
    expect(() => modelOf(api(), [[NEW, { twice }], [OLD, {}]])).toThrow(/has two instructions that both change Review\.rating/);
  });
});

describe('requiredness and nullability changed', () => {
  const thing = { type: 'object', required: ['id'], properties: { id: { type: 'string' }, currency: { type: 'string' }, note: { type: 'string' } } };
  const api = (schema: Record<string, unknown>, version = '3.1.0') => {
    const doc = openapi(NEW, { Thing: schema }, { '/things/{id}': { get: answers(ref('Thing')) }, '/things': { post: takes(ref('Thing')) } });
    return { ...doc, openapi: version };
  };
  const modelWith = (schema: Record<string, unknown>, instruction: FieldInstruction, version?: string) =>
    modelOf(api(schema, version) as never, [[NEW, { c: change({ description: 'constraint', instructions: [instruction] }) }], [OLD, {}]]);

  it('became required: older documents list it optional, older requests without it get the default', () => {
    const model = modelWith({ ...thing, required: ['id', 'currency'] }, schema('Thing').field('currency').becameRequired({ default: 'usd' }));
    expect(schemaAt(model, OLD, 'Thing')).toMatchObject({ required: ['id'] });
    expect(send(model, 'POST /things', OLD, NEW, { body: { id: 't1' } }).body).toEqual({ id: 't1', currency: 'usd' });
    expect(send(model, 'POST /things', OLD, NEW, { body: { id: 't1', currency: 'eur' } }).body).toEqual({ id: 't1', currency: 'eur' });
    expect(respond(model, 'GET /things/{id}', NEW, OLD, { body: { id: 't1', currency: 'eur' } }).body).toEqual({ id: 't1', currency: 'eur' });
  });

  it('became optional: older documents list it required, older clients get the default where a response leaves it out', () => {
    const model = modelWith(thing, schema('Thing').field('currency').becameOptional({ default: (o: JsonObject) => (o.id === 'eu' ? 'eur' : 'usd') }));
    expect(schemaAt(model, OLD, 'Thing')).toMatchObject({ required: ['id', 'currency'] });
    expect(respond(model, 'GET /things/{id}', NEW, OLD, { body: { id: 'eu' } }).body).toEqual({ id: 'eu', currency: 'eur' });
    expect(respond(model, 'GET /things/{id}', NEW, OLD, { body: { id: 't1', currency: 'gbp' } }).body).toEqual({ id: 't1', currency: 'gbp' });
  });

  it('became nullable: older documents do not allow null (3.1 and 3.0 forms), older clients get the default for a null', () => {
    const nullable = { ...thing, properties: { ...thing.properties, note: { type: ['string', 'null'] } } };
    const model = modelWith(nullable, schema('Thing').field('note').becameNullable({ default: '' }));
    expect((schemaAt(model, OLD, 'Thing') as { properties: Record<string, unknown> }).properties.note).toEqual({ type: 'string' });
    expect(respond(model, 'GET /things/{id}', NEW, OLD, { body: { id: 't1', note: null } }).body).toEqual({ id: 't1', note: '' });
    const model30 = modelWith({ ...thing, properties: { ...thing.properties, note: { type: 'string', nullable: true } } }, schema('Thing').field('note').becameNullable({ default: '' }), '3.0.3');
    expect((schemaAt(model30, OLD, 'Thing') as { properties: Record<string, unknown> }).properties.note).toEqual({ type: 'string' });
  });

  it('became non-nullable: older documents allow null, a null older clients send becomes the default or is left out', () => {
    const model = modelWith(thing, schema('Thing').field('note').becameNonNullable({ default: '-' }));
    expect((schemaAt(model, OLD, 'Thing') as { properties: Record<string, unknown> }).properties.note).toEqual({ type: ['string', 'null'] });
    expect(send(model, 'POST /things', OLD, NEW, { body: { id: 't1', note: null } }).body).toEqual({ id: 't1', note: '-' });
    const bare = modelWith(thing, schema('Thing').field('note').becameNonNullable());
    expect(send(bare, 'POST /things', OLD, NEW, { body: { id: 't1', note: null } }).body).toEqual({ id: 't1' });
  });

  it('passes verso check\'s proof: the default it fills in is declared lost on the way back', () => {
    const cases: [Record<string, unknown>, FieldInstruction][] = [
      [{ ...thing, required: ['id', 'currency'] }, schema('Thing').field('currency').becameRequired({ default: 'usd' })],
      [thing, schema('Thing').field('currency').becameOptional({ default: 'usd' })],
      [{ ...thing, properties: { ...thing.properties, note: { type: ['string', 'null'] } } }, schema('Thing').field('note').becameNullable({ default: '' })],
      [thing, schema('Thing').field('note').becameNonNullable({ default: '-' })],
    ];
    for (const [schemaObject, instruction] of cases) expect(prove(modelWith(schemaObject, instruction)).failures.map((f) => f.message)).toEqual([]);
  });

  it('refuses one that does not describe the field as its version has it', () => {
    expect(() => modelWith(thing, schema('Thing').field('currency').becameRequired({ default: 'usd' }))).toThrow(/Thing\.currency is not required at 2025-01-01; becameRequired\(\) describes a field this version requires/);
    expect(() => modelWith(thing, schema('Thing').field('note').becameNullable({ default: '' }))).toThrow(/Thing\.note does not allow null at 2025-01-01/);
  });
});

describe('field moved into or out of a sub-object, or an array\'s one entry', () => {
  // Kubernetes networking/v1 IngressBackend: serviceName and servicePort moved into service.{name, port.number}.
  const ingress = () => openapi(NEW, {
    IngressBackend: { type: 'object', properties: { service: { $ref: '#/components/schemas/IngressServiceBackend' }, resource: { type: 'string' } } },
    IngressServiceBackend: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { $ref: '#/components/schemas/ServiceBackendPort' } } },
    ServiceBackendPort: { type: 'object', properties: { number: { type: 'integer' } } },
  }, { '/backends/{id}': { get: answers(ref('IngressBackend')) }, '/backends': { post: takes(ref('IngressBackend')) } });
  const moved = change({
    description: 'serviceName and servicePort are service.name and service.port.number.',
    instructions: [
      schema('IngressBackend').field('service.name').movedFrom('serviceName'),
      schema('IngressBackend').field('service.port.number').movedFrom('servicePort'),
    ],
  });
  const model = () => modelOf(ingress(), [[NEW, { moved }], [OLD, {}]]);

  it('moves the values out going down, dropping the objects it empties', () => {
    expect(respond(model(), 'GET /backends/{id}', NEW, OLD, { body: { service: { name: 'web', port: { number: 80 } }, resource: 'r' } }).body)
      .toEqual({ resource: 'r', serviceName: 'web', servicePort: 80 });
  });

  it('moves them in going up, creating the objects they need', () => {
    expect(send(model(), 'POST /backends', OLD, NEW, { body: { serviceName: 'web', servicePort: 80 } }).body)
      .toEqual({ service: { name: 'web', port: { number: 80 } } });
    expect(send(model(), 'POST /backends', OLD, NEW, { body: { resource: 'r' } }).body).toEqual({ resource: 'r' });
  });

  it('gives the older document the fields where they were, with their schemas and requiredness', () => {
    expect(schemaAt(model(), OLD, 'IngressBackend')).toEqual({
      type: 'object',
      properties: { resource: { type: 'string' }, serviceName: { type: 'string' }, servicePort: { type: 'integer' } },
      required: ['serviceName'],
    });
  });

  it('passes verso check\'s proof both ways', () => {
    expect(prove(model()).failures.map((f) => f.message)).toEqual([]);
  });

  // autoscaling/v2 HPA: targetCPUUtilizationPercentage became metrics[0].resource.target.averageUtilization.
  const hpa = () => openapi(NEW, {
    HpaSpec: {
      type: 'object',
      properties: {
        maxReplicas: { type: 'integer' },
        metrics: { type: 'array', items: { type: 'object', properties: { resource: { type: 'object', properties: { target: { type: 'object', properties: { averageUtilization: { type: 'integer' } } } } } } } },
      },
    },
  }, { '/hpas/{id}': { get: answers(ref('HpaSpec')) } });
  const metric = change({ description: 'CPU target moved into metrics.', instructions: [schema('HpaSpec').field('metrics[0].resource.target.averageUtilization').movedFrom('targetCPUUtilizationPercentage')] });

  it('moves between a field and the one entry of an array', () => {
    const m = modelOf(hpa(), [[NEW, { metric }], [OLD, {}]]);
    expect(respond(m, 'GET /hpas/{id}', NEW, OLD, { body: { maxReplicas: 3, metrics: [{ resource: { target: { averageUtilization: 70 } } }] } }).body)
      .toEqual({ maxReplicas: 3, targetCPUUtilizationPercentage: 70 });
    expect(schemaAt(m, OLD, 'HpaSpec')).toEqual({ type: 'object', properties: { maxReplicas: { type: 'integer' }, targetCPUUtilizationPercentage: { type: 'integer' } } });
  });

  it('refuses a move from a place the version still has, or to one it does not have', () => {
    const bad = change({ description: 'bad', instructions: [schema('IngressBackend').field('service.name').movedFrom('resource')] });
    expect(() => modelOf(ingress(), [[NEW, { bad }], [OLD, {}]])).toThrow(/IngressBackend still has a field at "resource" at 2025-01-01/);
    const nowhere = change({ description: 'nowhere', instructions: [schema('IngressBackend').field('service.host').movedFrom('host')] });
    expect(() => modelOf(ingress(), [[NEW, { nowhere }], [OLD, {}]])).toThrow(/IngressBackend has no field at "service.host" at 2025-01-01/);
  });
});

describe('verso check names the change and instruction at fault', () => {
  it('narrows a failure to the one change of the step whose instruction names the field', () => {
    const api = openapi(NEW, { Customer: structuredClone(customer) }, { '/customers/{id}': { get: answers(ref('Customer')) } });
    const model = modelOf(api, [[NEW, {
      'email-renamed': change({ description: 'email was mail', instructions: [schema('Customer').field('email').renamedFrom('mail')] }),
      'name-number': change({ description: 'name was a number (it was not)', instructions: [schema('Customer').field('name').converted({ schema: { type: 'string' }, up: (v: Json) => v, down: (v: Json) => (v as string).length })] }),
    }], [OLD, {}]]);
    const failures = prove(model).failures;
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((f) => f.changes.length === 1 && f.changes[0] === `${NEW}/name-number: Customer.name converted`)).toBe(true);
  });
});

describe('verso check catches mistakes in the functions and values an author writes', () => {
  const api = () => openapi(NEW, {
    ThingCreate: { type: 'object', required: ['quantity', 'currency'], properties: { quantity: { type: 'integer', minimum: 1 }, currency: { type: 'string', pattern: '^[a-z]{3}$' } } },
  }, { '/things': { post: takes(ref('ThingCreate')) } });

  it('a typo in a default: older requests get a value the newer schema refuses', () => {
    const typo = change({ description: 'currency is new; older clients paid in usd', instructions: [schema('ThingCreate').field('currency').added({ default: 'ussd' })] });
    const failures = prove(modelOf(api(), [[NEW, { typo }], [OLD, {}]])).failures;
    expect(failures.map((f) => f.message)).toEqual([
      `POST /things request, ${OLD} → ${NEW} [${NEW}/typo: ThingCreate.currency added]: /currency must match pattern "^[a-z]{3}$" (payload: generated sample from ${NEW})`,
    ]);
  });

  it('an off-by-one in a request hook, where the schema bounds the value', () => {
    const hook = change({ description: 'quantity used to count extra items', instructions: [endpoint('POST /things').request((r) => { (r.body as JsonObject).quantity = ((r.body as JsonObject).quantity as number) - 1; })] });
    const failures = prove(modelOf(api(), [[NEW, { hook }], [OLD, {}]])).failures;
    expect(failures.map((f) => f.message)).toEqual([
      `POST /things request, ${OLD} → ${NEW} [${NEW}/hook]: /quantity must be >= 1 (payload: generated sample)`,
    ]);
  });
});

describe('new instructions reach the schema wherever it occurs', () => {
  it('fills a default for objects nested in an array of a list envelope, as for a top-level body', () => {
    const thing = { type: 'object', required: ['id'], properties: { id: { type: 'string' }, currency: { type: 'string' } } };
    const api = openapi(NEW, { Thing: thing, ThingList: { type: 'object', properties: { data: { type: 'array', items: ref('Thing') } } } }, { '/things': { get: answers(ref('ThingList')) } });
    const optional = change({ description: 'currency became optional', instructions: [schema('Thing').field('currency').becameOptional({ default: 'usd' })] });
    const model = modelOf(api, [[NEW, { optional }], [OLD, {}]]);
    expect(respond(model, 'GET /things', NEW, OLD, { body: { data: [{ id: 'a' }, { id: 'b', currency: 'eur' }] } }).body).toEqual({ data: [{ id: 'a', currency: 'usd' }, { id: 'b', currency: 'eur' }] });
  });
});
