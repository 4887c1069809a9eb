/**
 * The demo against its spec: specs/shop.openapi.yaml must be a valid OpenAPI 3.1 document at the
 * head version, and every response the real demo sends (each operation, each documented status)
 * must validate against the schema the spec gives for that operation and status.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { startDemo, type RunningDemo } from '../../demo/server.js';
import { EXPANDABLE, listOrdersQuerySchema, orderCreateSchema } from '../../demo/schemas.js';
import { fetchJson } from './fixtures.js';

const SPEC_PATH = fileURLToPath(new URL('../../specs/shop.openapi.yaml', import.meta.url));
const HEAD = '2025-06-01';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

// Just the parts of a dereferenced OpenAPI 3.1 document this suite reads.
type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  schema: Schema;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface Document {
  openapi: string;
  info: { version: string };
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  components: { schemas: Record<string, Schema> };
}

interface Exchange {
  operationId: string;
  status: number;
  url: string;
  method?: string;
  body?: unknown;
}

/** One real request per (operation, documented status), plus variants worth their own check. */
const EXCHANGES: Exchange[] = [
  { operationId: 'listOrders', status: 200, url: '/orders' },
  { operationId: 'listOrders', status: 200, url: '/orders?limit=100' },
  { operationId: 'listOrders', status: 200, url: '/orders?starting_after=ord_0001' },
  { operationId: 'listOrders', status: 400, url: '/orders?limit=0' },
  { operationId: 'listOrders', status: 400, url: '/orders?starting_after=ord_9999' },
  {
    operationId: 'createOrder',
    status: 201,
    url: '/orders',
    method: 'POST',
    body: { customer_id: 'cus_0001', amount: 1999, currency: 'usd' },
  },
  { operationId: 'createOrder', status: 400, url: '/orders', method: 'POST', body: { amount: '19.99' } },
  {
    operationId: 'createOrder',
    status: 422,
    url: '/orders',
    method: 'POST',
    body: { customer_id: 'cus_9999', amount: 1999, currency: 'usd' },
  },
  { operationId: 'getOrder', status: 200, url: '/orders/ord_0001' },
  { operationId: 'getOrder', status: 200, url: '/orders/ord_0005?expand=customer' },
  { operationId: 'getOrder', status: 400, url: '/orders/ord_0001?expand=items' },
  { operationId: 'getOrder', status: 404, url: '/orders/ord_9999' },
  { operationId: 'getCustomer', status: 200, url: '/customers/cus_0003' },
  { operationId: 'getCustomer', status: 404, url: '/customers/cus_9999' },
];

function operations(spec: Document): Map<string, Operation> {
  const byId = new Map<string, Operation>();
  for (const item of Object.values(spec.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation?.operationId !== undefined) byId.set(operation.operationId, operation);
    }
  }
  return byId;
}

/** A schema without its documentation keywords, to compare validation behaviour only. */
function withoutDocs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDocs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'description' && key !== 'example')
      .map(([key, inner]) => [key, withoutDocs(inner)]),
  );
}

function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  // OpenAPI 3.1's base dialect adds these annotation keywords to JSON Schema 2020-12.
  ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
  (ajvFormats.default as unknown as (ajv: Ajv2020) => Ajv2020)(ajv);
  return ajv;
}

describe('specs/shop.openapi.yaml', () => {
  let spec: Document;
  beforeAll(async () => {
    spec = (await dereference(SPEC_PATH)) as unknown as Document;
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(SPEC_PATH);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(spec.openapi).toMatch(/^3\.1\./);
  });

  it(`describes the head version ${HEAD}`, () => {
    expect(spec.info.version).toBe(HEAD);
  });

  it('names exactly the four shop operations', () => {
    expect([...operations(spec).keys()].sort()).toEqual(['createOrder', 'getCustomer', 'getOrder', 'listOrders']);
  });

  it('declares the shop component schemas', () => {
    expect(Object.keys(spec.components.schemas).sort()).toEqual([
      'Customer',
      'Error',
      'ErrorDetail',
      'Order',
      'OrderCreate',
      'OrderList',
    ]);
  });

  it('gives every component schema an example that validates against it', () => {
    const ajv = newAjv();
    for (const [name, schema] of Object.entries(spec.components.schemas)) {
      expect(schema.example, name).toBeDefined();
      const check = ajv.compile(schema);
      expect(check(schema.example), `${name}: ${ajv.errorsText(check.errors)}`).toBe(true);
    }
  });

  it('agrees with the request schemas the demo validates with', () => {
    const byId = operations(spec);
    const createBody = byId.get('createOrder')?.requestBody?.content['application/json'].schema;
    expect(withoutDocs(createBody)).toEqual(orderCreateSchema);

    const listParams = byId.get('listOrders')?.parameters ?? [];
    expect({
      type: 'object',
      properties: Object.fromEntries(listParams.map((p) => [p.name, withoutDocs(p.schema)])),
    }).toEqual(listOrdersQuerySchema);

    const expand = byId.get('getOrder')?.parameters?.find((p) => p.name === 'expand');
    expect(expand?.schema).toEqual({ type: 'array', items: { type: 'string', enum: [...EXPANDABLE] } });
  });
});

describe('demo responses against the spec', () => {
  let demo: RunningDemo;
  let spec: Document;
  const ajv = newAjv();

  beforeAll(async () => {
    spec = (await dereference(SPEC_PATH)) as unknown as Document;
    demo = await startDemo({ now: () => new Date('2025-06-01T12:00:00Z') });
  });
  afterAll(async () => {
    await demo.close();
  });

  it('exercises every status every operation documents', () => {
    const documented = [...operations(spec)].flatMap(([id, op]) => Object.keys(op.responses).map((s) => `${id} ${s}`));
    const exercised = new Set(EXCHANGES.map((e) => `${e.operationId} ${e.status}`));
    expect([...exercised].sort()).toEqual(documented.sort());
  });

  const cases = EXCHANGES.map((e) => [`${e.operationId} ${e.status}: ${e.method ?? 'GET'} ${e.url}`, e] as const);
  it.each(cases)('%s validates against the spec', async (_title, exchange) => {
    const res = await fetchJson(`${demo.url}${exchange.url}`, { method: exchange.method, body: exchange.body });
    expect(res.status).toBe(exchange.status);

    const response = operations(spec).get(exchange.operationId)?.responses[String(exchange.status)];
    const media = response?.content?.['application/json'];
    expect(media, `spec has no application/json ${exchange.status} for ${exchange.operationId}`).toBeDefined();
    expect(res.contentType).toMatch(/^application\/json(;|$)/);

    const check = ajv.compile(media!.schema);
    expect(check(res.body), ajv.errorsText(check.errors)).toBe(true);
  });
});
