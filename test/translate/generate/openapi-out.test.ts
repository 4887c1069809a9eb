import { describe, expect, it } from 'vitest';
import { change, endpoint, schema } from '../../../gateway/index.js';
import { buildModel, type VersionModel } from '../../../gateway/translate/model.js';
import { versionDocument } from '../../../gateway/translate/generate/openapi-out.js';
import { operations, type OpenApiDocument } from '../../../gateway/translate/spec.js';
import { demo } from '../../helpers/demo-model.js';

/** A one-version model around a hand-written document: enough for versionDocument's head path. */
function headOnly(doc: OpenApiDocument): VersionModel {
  return {
    versions: ['v1'],
    head: 'v1',
    docs: new Map([['v1', doc]]),
    operationKeys: new Map([['v1', new Map(operations(doc).map((op) => [op.key, op.key]))]]),
    steps: new Map(),
    removedEndpoints: new Map(),
    changes: [],
  };
}

describe('versionDocument', () => {
  it('removes x-verso-* extensions and whatever is marked x-internal', () => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 'T', version: 'v1', 'x-verso-owner': 'team-a' },
      paths: {
        '/a': {
          get: {
            'x-verso-note': 'internal',
            parameters: [{ name: 'debug', in: 'query', 'x-internal': true }, { name: 'q', in: 'query' }],
            responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } } },
          },
          post: { 'x-internal': true, responses: { 204: { description: 'ok' } } },
        },
        '/admin': { 'x-internal': true, get: { responses: { 200: { description: 'ok' } } } },
        '/only-internal': { delete: { 'x-internal': true, responses: { 204: { description: 'ok' } } } },
      },
      components: {
        schemas: {
          A: {
            type: 'object',
            required: ['id', 'shard'],
            properties: { id: { type: 'string' }, shard: { type: 'integer', 'x-internal': true } },
            example: { id: 'a1', 'x-internal': true },
          },
          Hidden: { 'x-internal': true, type: 'object' },
          Used: { 'x-internal': true, type: 'string' },
          B: { type: 'object', properties: { used: { $ref: '#/components/schemas/Used' } } },
        },
      },
    } as unknown as OpenApiDocument;
    const out = versionDocument(headOnly(doc), 'v1');
    expect(out).toEqual({
      openapi: '3.1.0',
      info: { title: 'T', description: 'API version v1, the latest.', version: 'v1' },
      paths: {
        '/a': {
          get: {
            parameters: [{ name: 'q', in: 'query' }],
            responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } } },
          },
        },
      },
      components: {
        schemas: {
          A: { type: 'object', required: ['id'], properties: { id: { type: 'string' } }, example: { id: 'a1', 'x-internal': true } },
          // Still referenced, so it stays (unmarked) rather than leave a dangling $ref.
          Used: { type: 'string' },
          B: { type: 'object', properties: { used: { $ref: '#/components/schemas/Used' } } },
        },
      },
    });
    // The model's own document is untouched.
    expect((doc.paths!['/admin'] as Record<string, unknown>)['x-internal']).toBe(true);
  });

  it('puts keys in OpenAPI\'s order whatever order the source has them in', () => {
    const doc = {
      components: { schemas: { Z: { type: 'string' } }, 'x-b': 1, responses: {} },
      paths: {
        '/z': { get: { responses: {}, operationId: 'z', 'x-z': true, summary: 'Z', tags: ['z'] }, parameters: [], summary: 'zz' },
      },
      'x-extra': true,
      info: { version: 'v0', title: 'T', 'x-logo': {}, description: 'About.' },
      openapi: '3.0.3',
      tags: [],
      servers: [],
    } as unknown as OpenApiDocument;
    const out = versionDocument(headOnly(doc), 'v1') as unknown as Record<string, Record<string, unknown>>;
    expect(Object.keys(out)).toEqual(['openapi', 'info', 'servers', 'tags', 'paths', 'components', 'x-extra']);
    expect(Object.keys(out.info)).toEqual(['title', 'description', 'version', 'x-logo']);
    expect(out.info.description).toBe('API version v1, the latest.\n\nAbout.');
    const item = (out.paths as Record<string, Record<string, unknown>>)['/z'];
    expect(Object.keys(item)).toEqual(['summary', 'parameters', 'get']);
    expect(Object.keys(item.get as object)).toEqual(['tags', 'summary', 'operationId', 'responses', 'x-z']);
    expect(Object.keys(out.components)).toEqual(['schemas', 'responses', 'x-b']);
  });

  it('prints the same bytes every time for the demo', async () => {
    const { config, translator } = await demo();
    for (const version of translator.model.versions) {
      const a = JSON.stringify(versionDocument(translator.model, version, { config }));
      const b = JSON.stringify(versionDocument(translator.model, version, { config }));
      expect(a).toBe(b);
    }
  });

  it('moves schema examples down with the changes: each version\'s example has that version\'s shape', async () => {
    const { translator } = await demo();
    const examples = (version: string) => Object.fromEntries(Object.entries(versionDocument(translator.model, version).components!.schemas!).map(([k, s]) => [k, s.example]));
    expect(examples('2024-09-01')).toEqual({
      Order: { id: 'ord_0001', customer: 'cus_0001', amount: 1999, currency: 'usd', status: 'paid', created_at: '2025-01-01T09:37:00Z' },
      OrderCreate: { customer: 'cus_0002', amount: 4550, currency: 'eur' },
      OrderList: { data: [{ id: 'ord_0001', customer: 'cus_0001', amount: 1999, currency: 'usd', status: 'paid', created_at: '2025-01-01T09:37:00Z' }], has_more: false },
      Customer: { id: 'cus_0001', name: 'Ada Lovelace', email: 'ada@example.com', created_at: '2024-11-04T10:00:00Z' },
      Error: { error: { code: 'order_not_found', message: 'No order has id \'ord_9999\'.' } },
      ErrorDetail: { code: 'order_not_found', message: 'No order has id \'ord_9999\'.' },
    });
    expect(examples('2023-06-01')).toEqual({
      Order: { id: 'ord_0001', customer: 'cus_0001', amount: '19.99', status: 'paid', created: 1735724220 },
      OrderCreate: { customer: 'cus_0002', amount: '45.50' },
      Customer: { id: 'cus_0001', full_name: 'Ada Lovelace', email: 'ada@example.com', created_at: '2024-11-04T10:00:00Z' },
      Error: { error: { type: 'order_not_found', message: 'No order has id \'ord_9999\'.' } },
      ErrorDetail: { type: 'order_not_found', message: 'No order has id \'ord_9999\'.' },
    });
  });

  it('moves request and response examples through the operation\'s chains, dropping those it cannot move', () => {
    const thing = { $ref: '#/components/schemas/Thing' };
    const media = (example: unknown) => ({ content: { 'application/json': { schema: thing, example } } });
    const head = {
      openapi: '3.1.0',
      info: { title: 'Things', version: 'v2' },
      paths: {
        '/things': { post: { requestBody: media({ title: 'new' }), responses: { 201: { description: 'created', ...media({ id: 't1', title: 'new' }) } } } },
        '/things/{id}': { put: { requestBody: media({ title: 'renamed' }), responses: { 200: { description: 'ok', ...media({ id: 't1', title: 'renamed' }) } } } },
      },
      components: { schemas: { Thing: { type: 'object', properties: { id: { type: 'string' }, title: { type: 'string' } }, example: { id: 't0', title: 'zero' } } } },
    } as unknown as OpenApiDocument;
    const v2 = change({
      description: 'Thing.name is title; POST /things answers 201.',
      instructions: [
        schema('Thing').field('title').renamedFrom('name'),
        endpoint('POST /things').statusChanged({ from: 200, to: 201 }),
        // Moves requests up only: a v2 request example cannot be moved down to v1.
        endpoint('PUT /things/{id}').request(() => {}),
      ],
    });
    const model = buildModel(head, {
      dir: '/virtual', indexFile: '/virtual/index.ts',
      versions: [{ id: 'v2', changes: [{ id: 'v2/thing', file: '/virtual/v2/thing.ts', version: 'v2', change: v2 }] }, { id: 'v1', changes: [] }],
    }, ['v1', 'v2'], '/virtual/spec.yaml');
    const doc = versionDocument(model, 'v1') as unknown as { paths: Record<string, Record<string, Record<string, any>>>; components: { schemas: Record<string, any> } };
    expect(doc.components.schemas.Thing.example).toEqual({ id: 't0', name: 'zero' });
    expect(doc.paths['/things'].post.requestBody.content['application/json'].example).toEqual({ name: 'new' });
    expect(Object.keys(doc.paths['/things'].post.responses)).toEqual(['200']);
    expect(doc.paths['/things'].post.responses['200'].content['application/json'].example).toEqual({ id: 't1', name: 'new' });
    expect(doc.paths['/things/{id}'].put.requestBody.content['application/json']).toEqual({ schema: thing });
    expect(doc.paths['/things/{id}'].put.responses['200'].content['application/json'].example).toEqual({ id: 't1', name: 'renamed' });
    // The head's own document keeps its examples.
    expect((versionDocument(model, 'v2').paths!['/things']!.post as Record<string, unknown>).requestBody).toEqual(media({ title: 'new' }));
  });

  it('refuses a version the model does not have', async () => {
    const { translator } = await demo();
    expect(() => versionDocument(translator.model, 'v2')).toThrow('unknown version v2; versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01');
  });
});
