/**
 * The contract every change of the demo must keep, checked with fast-check over arbitrary
 * head-shaped bodies (built from the head schemas' constraints) for every older version:
 *
 * (a) round trip: per schema a chain touches, the composed down object ops then the composed up
 *     ops give the input back — except what a change knowingly loses (listed in LOSSY);
 * (b) fields no version knows (extra keys, top level and nested) come out unchanged, in their
 *     object and order, and do not disturb the translation of the rest;
 * (c) every body moved down validates against that version's derived OpenAPI document, and every
 *     request moved up validates against the head's.
 */
import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../../gateway/index.js';
import { loadBundle } from '../../gateway/translate/bundle.js';
import { buildRequestChain, buildResponseChain } from '../../gateway/translate/chain.js';
import type { ObjectOp } from '../../gateway/translate/fuse.js';
import { buildModel, type VersionModel } from '../../gateway/translate/model.js';
import { findOperation, loadSpec, statusKey, responseSchemas } from '../../gateway/translate/spec.js';

const VERSIONS = ['2023-06-01', '2024-01-01', '2024-09-01', '2025-06-01'];
const HEAD = '2025-06-01';
const OLDER = VERSIONS.slice(0, -1);
const RUNS = { numRuns: 40 };

let model: VersionModel;
beforeAll(async () => {
  model = buildModel(await loadSpec('specs/shop.openapi.yaml'), await loadBundle('versions'), VERSIONS, 'specs/shop.openapi.yaml');
});

// ---- arbitraries, from the head schemas' constraints ------------------------------------------

const alnum = fc.stringMatching(/^[A-Za-z0-9]{1,10}$/);
const lower = fc.stringMatching(/^[a-z0-9]{1,10}$/);
/** Whole seconds, written as the spec's examples are: `2025-01-01T09:37:00Z`. */
const dateTime = fc.integer({ min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 })
  .map((s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z'));
/** Integer minor units up to 10^12 ($10 billion): `(n / 100).toFixed(2)` is exact well past that. */
const amount = fc.integer({ min: 1, max: 1e12 });
const currency = fc.stringMatching(/^[a-z]{3}$/);
const status = fc.constantFrom('pending', 'paid', 'shipped', 'canceled');

const customer = fc.record({
  id: alnum.map((s) => `cus_${s}`),
  name: fc.string(),
  email: fc.tuple(lower, lower).map(([user, host]) => `${user}@${host}.example`),
  created_at: dateTime,
});
const order = fc.record({
  id: alnum.map((s) => `ord_${s}`),
  customer_id: alnum.map((s) => `cus_${s}`),
  amount,
  currency,
  status,
  created_at: dateTime,
  customer,
}, { requiredKeys: ['id', 'customer_id', 'amount', 'currency', 'status', 'created_at'] });
const orderList = fc.record({ data: fc.array(order, { maxLength: 4 }), has_more: fc.boolean() });
const error = fc.record({ error: fc.record({ code: fc.string(), message: fc.string() }) });
const orderCreate = fc.record({
  customer_id: alnum.map((s) => `cus_${s}`),
  amount,
  currency,
  status,
}, { requiredKeys: ['customer_id', 'amount', 'currency'] });

const bodies: Record<string, fc.Arbitrary<JsonObject>> = { Order: order, OrderCreate: orderCreate, Customer: customer, OrderList: orderList, Error: error };

/** Every documented (operation, status) of the head, with the body it answers. */
const RESPONSES: { operation: string; status: number; body: fc.Arbitrary<JsonObject> }[] = [
  { operation: 'GET /orders', status: 200, body: orderList },
  { operation: 'GET /orders', status: 400, body: error },
  { operation: 'POST /orders', status: 201, body: order },
  { operation: 'POST /orders', status: 400, body: error },
  { operation: 'POST /orders', status: 422, body: error },
  { operation: 'GET /orders/{id}', status: 200, body: order },
  { operation: 'GET /orders/{id}', status: 400, body: error },
  { operation: 'GET /orders/{id}', status: 404, body: error },
  { operation: 'GET /customers/{id}', status: 200, body: customer },
  { operation: 'GET /customers/{id}', status: 404, body: error },
];

// ---- (a) round trip at the object level --------------------------------------------------------

/**
 * What a step knowingly loses on the way down and does not rebuild on the way up, per schema:
 * the field, the versions below which it is lost, and what up gives instead (absent: nothing).
 */
const LOSSY: Record<string, { field: string; below: string; upGives?: Json }[]> = {
  // 2024-09-01 added currency; older versions only knew usd, and an Order is never sent up.
  Order: [
    { field: 'currency', below: '2024-09-01' },
    // 2024-01-01 derives `created` (unix seconds) from created_at but declares no `up` to rebuild
    // created_at from it: checked separately below that `created` carries the same instant.
    { field: 'created_at', below: '2024-01-01' },
  ],
  OrderCreate: [{ field: 'currency', below: '2024-09-01', upGives: 'usd' }],
};

/** The object ops of one schema composed across the steps between the head and `version`. */
function composed(direction: 'up' | 'down', schema: string, version: string): ObjectOp {
  const crossed = VERSIONS.filter((v) => v > version).map((v) => model.steps.get(v)!);
  const ops = (direction === 'down' ? [...crossed].reverse() : crossed).map((s) => s.objectOps[direction].get(schema)).filter((op): op is ObjectOp => !!op);
  return (object) => ops.reduce((o, op) => op(o), object);
}

function touchedSchemas(): string[] {
  return [...new Set([...model.steps.values()].flatMap((s) => [...s.objectOps.down.keys(), ...s.objectOps.up.keys()]))].sort();
}

describe('(a) round trip', () => {
  it('covers every schema a demo change touches', () => {
    expect(touchedSchemas()).toEqual(['Customer', 'ErrorDetail', 'Order', 'OrderCreate']);
  });

  const schemas = { Order: order, OrderCreate: orderCreate, Customer: customer, ErrorDetail: error.map((e) => e.error as JsonObject) };
  for (const version of OLDER) {
    for (const [name, arbitrary] of Object.entries(schemas)) {
      it(`${name} down to ${version} and back up is the input, but for what is knowingly lost`, () => {
        const lossy = (LOSSY[name] ?? []).filter((l) => version < l.below);
        fc.assert(fc.property(arbitrary, (input) => {
          const back = composed('up', name, version)(composed('down', name, version)(structuredClone(input)));
          const expected: JsonObject = structuredClone(input);
          for (const l of lossy) {
            if (l.upGives === undefined) delete expected[l.field];
            else expected[l.field] = l.upGives;
          }
          expect(back).toEqual(expected);
        }), RUNS);
      });
    }

    it(`Order.created at ${version} is the same instant as created_at, when derived`, () => {
      if (version >= '2024-01-01') return;
      fc.assert(fc.property(order, (input) => {
        const older = composed('down', 'Order', version)(structuredClone(input));
        expect(new Date((older.created as number) * 1000).toISOString()).toBe(new Date(input.created_at as string).toISOString());
      }), RUNS);
    });
  }
});

// ---- (b) unrelated fields ------------------------------------------------------------------------

/** Extra keys no version of any schema has (`x_…`), with any JSON value, at any position. */
const extras = fc.uniqueArray(fc.tuple(fc.stringMatching(/^x_[a-z0-9]{1,6}$/), fc.jsonValue({ maxDepth: 2 }).map((v) => v as Json), fc.nat(8)), { maxLength: 3, selector: ([key]) => key });
const isExtra = (key: string) => key.startsWith('x_');

/** Insert extras into every object of `body` (pool[i] into the i-th), each tagged `x_tag: i`. */
function withExtras(body: Json, pool: [string, Json, number][][]): Json {
  let n = 0;
  const visit = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(visit);
    if (value === null || typeof value !== 'object') return value;
    const tag = n++;
    const entries: [string, Json][] = Object.entries(value).map(([k, v]) => [k, visit(v)]);
    for (const [key, extra, at] of [['x_tag', tag, 0] as [string, Json, number], ...(pool[tag % pool.length] ?? [])]) entries.splice(at % (entries.length + 1), 0, [key, structuredClone(extra)]);
    return Object.fromEntries(entries);
  };
  return visit(body);
}

/** Per tagged object: its extra entries, in order. Does not look inside extra values. */
function extrasByTag(body: Json, out = new Map<number, [string, Json][]>()): Map<number, [string, Json][]> {
  if (Array.isArray(body)) for (const v of body) extrasByTag(v, out);
  else if (body !== null && typeof body === 'object') {
    if (typeof body.x_tag === 'number') out.set(body.x_tag, Object.entries(body).filter(([k]) => isExtra(k)));
    for (const [k, v] of Object.entries(body)) if (!isExtra(k)) extrasByTag(v, out);
  }
  return out;
}

function withoutExtras(body: Json): Json {
  if (Array.isArray(body)) return body.map(withoutExtras);
  if (body === null || typeof body !== 'object') return body;
  return Object.fromEntries(Object.entries(body).filter(([k]) => !isExtra(k)).map(([k, v]) => [k, withoutExtras(v)]));
}

function runResponse(operation: string, version: string, status: number, body: Json): Json {
  const parts = { status, headers: {}, body: structuredClone(body) };
  buildResponseChain(model, operation, HEAD, version).run(parts);
  return parts.body;
}

describe('(b) unrelated fields are untouched', () => {
  for (const version of OLDER) {
    for (const { operation, status, body } of RESPONSES) {
      it(`${operation} ${status} down to ${version}`, () => {
        fc.assert(fc.property(body, fc.array(extras, { minLength: 1, maxLength: 4 }), (plain, pool) => {
          const input = withExtras(plain, pool);
          const out = runResponse(operation, version, status, input);
          // The rest is translated exactly as without the extras, key order included.
          expect(JSON.stringify(withoutExtras(out))).toBe(JSON.stringify(runResponse(operation, version, status, plain)));
          // Each object keeps its own extras, values and order unchanged. Only an envelope a hook
          // unwraps (the 2024-09-01 list page) takes its extras with it.
          const before = extrasByTag(input);
          const after = extrasByTag(out);
          if (operation === 'GET /orders' && status === 200 && version < '2024-09-01') before.delete(0);
          expect(after).toEqual(before);
        }), RUNS);
      });
    }

    it(`POST /orders request up from ${version}`, () => {
      fc.assert(fc.property(orderCreate, fc.array(extras, { minLength: 1, maxLength: 2 }), (head, pool) => {
        const plain = composed('down', 'OrderCreate', version)(structuredClone(head));
        const input = withExtras(plain, pool);
        const parts = { body: structuredClone(input), headers: {}, query: {} };
        buildRequestChain(model, 'POST /orders', version, HEAD).run(parts);
        const bare = { body: structuredClone(plain) as Json, headers: {}, query: {} };
        buildRequestChain(model, 'POST /orders', version, HEAD).run(bare);
        expect(JSON.stringify(withoutExtras(parts.body!))).toBe(JSON.stringify(bare.body));
        expect(extrasByTag(parts.body!)).toEqual(extrasByTag(input));
      }), RUNS);
    });
  }
});

// ---- (c) output validates against the version's derived document ----------------------------------

const validators = new Map<string, ReturnType<typeof makeValidator>>();
/** One ajv per version (compiling is the slow part), built on first use. */
function validatorFor(version: string) {
  if (!validators.has(version)) validators.set(version, makeValidator(version));
  return validators.get(version)!;
}

function makeValidator(version: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  (ajvFormats.default as unknown as (ajv: Ajv2020) => Ajv2020)(ajv);
  const id = `https://verso.test/${version}/openapi.json`;
  ajv.addSchema(model.docs.get(version)!, id);
  const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
  const cache = new Map<string, ReturnType<Ajv2020['compile']>>();
  const compile = (fragment: string) => {
    if (!cache.has(fragment)) cache.set(fragment, ajv.compile({ $ref: `${id}#/${fragment}` }));
    return cache.get(fragment)!;
  };
  const check = (fragment: string, body: Json) => {
    const validate = compile(fragment);
    expect(validate(body), `${version} ${fragment}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`).toBe(true);
  };
  return {
    /** The response `headOperation` gives with `status` at this version. */
    response(headOperation: string, status: number, body: Json) {
      const doc = model.docs.get(version)!;
      const op = findOperation(doc, model.operationKeys.get(version)!.get(headOperation)!)!;
      const key = statusKey(responseSchemas(doc, op).keys(), status)!;
      check(pointer('paths', op.path, op.method.toLowerCase(), 'responses', key, 'content', 'application/json', 'schema'), body);
    },
    component(name: string, body: Json) {
      check(pointer('components', 'schemas', name), body);
    },
  };
}

describe('(c) output validates against the version\'s derived document', () => {
  it('holds for the head bodies the arbitraries make, at the head', () => {
    const head = validatorFor(HEAD);
    fc.assert(fc.property(fc.constantFrom(...Object.keys(bodies)).chain((name) => bodies[name].map((b) => [name, b] as const)), ([name, body]) => {
      head.component(name, body);
    }), RUNS);
  });

  it('is not vacuous: an untranslated head Order does not validate at an older version', () => {
    const older = validatorFor('2023-06-01');
    const example = { id: 'ord_1', customer_id: 'cus_1', amount: 1999, currency: 'usd', status: 'paid', created_at: '2025-01-01T09:37:00Z' };
    expect(() => older.component('Order', example)).toThrow(/must NOT have additional properties/);
  });

  for (const version of OLDER) {
    for (const { operation, status, body } of RESPONSES) {
      it(`${operation} ${status} moved down to ${version}`, () => {
        const validator = validatorFor(version);
        fc.assert(fc.property(body, (plain) => {
          const parts = { status, headers: {}, body: structuredClone(plain) as Json };
          buildResponseChain(model, operation, HEAD, version).run(parts);
          validator.response(operation, parts.status, parts.body!);
        }), RUNS);
      });
    }

    it(`POST /orders request moved down to ${version} (a newer client, an older upstream)`, () => {
      const validator = validatorFor(version);
      fc.assert(fc.property(orderCreate, (plain) => {
        const parts = { body: structuredClone(plain) as Json, headers: {}, query: {} };
        buildRequestChain(model, 'POST /orders', HEAD, version).run(parts);
        validator.component('OrderCreate', parts.body!);
      }), RUNS);
    });

    it(`POST /orders request from ${version} moved up validates at the head, currency restored`, () => {
      const head = validatorFor(HEAD);
      const older = validatorFor(version);
      fc.assert(fc.property(orderCreate, (plain) => {
        const sent = composed('down', 'OrderCreate', version)(structuredClone(plain));
        older.component('OrderCreate', sent);
        const parts = { body: sent as Json, headers: {}, query: {} };
        buildRequestChain(model, 'POST /orders', version, HEAD).run(parts);
        head.component('OrderCreate', parts.body!);
        if (version < '2024-09-01') expect((parts.body as JsonObject).currency).toBe('usd');
      }), RUNS);
    });
  }
});
