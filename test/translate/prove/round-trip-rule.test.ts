/**
 * The proof's rules, on changes built in memory against the demo's head spec: what a step may
 * lose by declaration is not held against its round trip, everything else is, and the head
 * spec's own examples must validate.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { change, endpoint, schema, type Change } from '../../../gateway/index.js';
import type { LoadedBundle } from '../../../gateway/translate/bundle.js';
import { buildModel } from '../../../gateway/translate/model.js';
import { proveChanges } from '../../../gateway/translate/prove/prove.js';
import { componentSchemas, loadSpec, type OpenApiDocument } from '../../../gateway/translate/spec.js';

const SPEC = 'specs/shop.openapi.yaml';
let head: OpenApiDocument;
beforeAll(async () => { head = await loadSpec(SPEC); });

/** The messages of a proof of 2025-06-01 (these instructions) against 2024-09-01. */
function prove(instructions: Parameters<typeof change>[0]['instructions'], doc = head): string[] {
  const c: Change = change({ description: 'test', instructions });
  const bundle: LoadedBundle = {
    dir: 'versions', indexFile: 'versions/index.ts',
    versions: [
      { id: '2025-06-01', changes: [{ id: '2025-06-01/test', file: 'versions/2025-06-01/test.ts', version: '2025-06-01', change: c }] },
      { id: '2024-09-01', changes: [] },
    ],
  };
  return proveChanges(buildModel(doc, bundle, ['2024-09-01', '2025-06-01'], SPEC)).map((f) => f.message);
}

describe('the round trip rule', () => {
  it('does not hold a field added() in the newer version against the response round trip', () => {
    expect(prove([schema('Order').field('currency').added()])).toEqual([]);
  });

  it('does not hold a field removed() without up against the request round trip', () => {
    expect(prove([schema('OrderCreate').field('note').removed({ schema: { type: 'string' }, derive: () => 'none' })])).toEqual([]);
  });

  it('holds a field removed() with an up function to the request round trip', () => {
    expect(prove([schema('OrderCreate').field('note').removed({ schema: { type: 'string' }, derive: () => 'none', up: () => {} })])).toEqual([
      'POST /orders request round trip, 2024-09-01 → 2025-06-01 → 2024-09-01 [2025-06-01/test: OrderCreate.note removed]: /note: sent "string", got back "none" (payload: generated sample)',
    ]);
  });

  it('does not round-trip objects of a schema converted() one way only', () => {
    expect(prove([schema('Customer').converted({ down: (c) => { c.name = String(c.name).toUpperCase(); } })])).toEqual([]);
  });

  it('holds a status change to the round trip, both ways', () => {
    expect(prove([endpoint('POST /orders').statusChanged({ from: 200, to: 201 })])).toEqual([]);
  });

  it('does not round-trip through a response hook, which moves down only', () => {
    expect(prove([endpoint('GET /customers/{id}').response((res) => { res.body = { ...(res.body as object), name: 'X' }; }, { status: 200 })])).toEqual([]);
  });
});

describe('the head spec\'s examples', () => {
  it('must validate against the head spec, and are not used when they do not', () => {
    const doc = structuredClone(head);
    (componentSchemas(doc).Order.example as Record<string, unknown>).amount = '19.99';
    expect(prove([schema('Order').field('currency').added()], doc)).toEqual([
      'POST /orders 201 response example, 2025-06-01: /amount must be integer (payload: Order example)',
      'GET /orders/{id} 200 response example, 2025-06-01: /amount must be integer (payload: Order example)',
    ]);
  });
});
