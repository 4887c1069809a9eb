/**
 * Where a schema occurs: one instruction (`Item.name` was `title`) must reach every Item in a
 * body wherever the spec puts it — and nothing else. Each shape is its own small document.
 */
import { describe, expect, it } from 'vitest';
import { change, schema, type Json, type JsonSchema } from '../../gateway/index.js';
import { answers, modelOf, openapi, ref, respond, schemaAt, send, takes } from './helpers.js';

const NEW = '2025-01-01';
const OLD = '2024-01-01';

const item: JsonSchema = { type: 'object', required: ['name'], properties: { name: { type: 'string' }, sku: { type: 'string' } } };
const itemName = change({ description: 'Item.title is renamed name', instructions: [schema('Item').field('name').renamedFrom('title')] });

/** A model whose only operation, POST /things, takes and answers `body`. */
function through(body: JsonSchema, schemas: Record<string, JsonSchema> = {}, instructions = itemName) {
  return modelOf(openapi(NEW, { Item: structuredClone(item), ...schemas }, { '/things': { post: takes(body) } }), [[NEW, { 'item-name': instructions }], [OLD, {}]]);
}

/** Down then up through POST /things: the older body, and what moving it back up gives. */
function both(model: ReturnType<typeof through>, body: Json) {
  const older = respond(model, 'POST /things', NEW, OLD, { body }).body;
  return { older, back: send(model, 'POST /things', OLD, NEW, { body: older }).body };
}

describe('locating a schema in bodies', () => {
  it('finds it as the body itself', () => {
    expect(both(through(ref('Item')), { name: 'a', sku: 's' })).toEqual({ older: { title: 'a', sku: 's' }, back: { name: 'a', sku: 's' } });
  });

  it('finds it in a nested property, two levels down', () => {
    const model = through({ type: 'object', properties: { order: { type: 'object', properties: { item: ref('Item'), note: { type: 'object' } } } } });
    const body = { order: { item: { name: 'a' }, note: { name: 'not an item' } }, name: 'top' };
    expect(both(model, body)).toEqual({
      older: { order: { item: { title: 'a' }, note: { name: 'not an item' } }, name: 'top' },
      back: body,
    });
  });

  it('finds it in array items, and in arrays of arrays', () => {
    const model = through({ type: 'object', properties: { items: { type: 'array', items: ref('Item') }, grid: { type: 'array', items: { type: 'array', items: ref('Item') } } } });
    const body = { items: [{ name: 'a' }, { name: 'b' }], grid: [[{ name: 'c' }], []] };
    expect(both(model, body)).toEqual({
      older: { items: [{ title: 'a' }, { title: 'b' }], grid: [[{ title: 'c' }], []] },
      back: body,
    });
  });

  it('finds it in a top-level array body', () => {
    expect(both(through({ type: 'array', items: ref('Item') }), [{ name: 'a' }])).toEqual({ older: [{ title: 'a' }], back: [{ name: 'a' }] });
  });

  it('finds it in map values (additionalProperties)', () => {
    const model = through({ type: 'object', additionalProperties: ref('Item') });
    const body = { x: { name: 'a' }, y: { name: 'b' } };
    expect(both(model, body)).toEqual({ older: { x: { title: 'a' }, y: { title: 'b' } }, back: body });
  });

  it('does not treat declared properties beside map values as map values', () => {
    const model = through({ type: 'object', properties: { meta: { type: 'object', properties: { name: { type: 'string' } } } }, additionalProperties: ref('Item') });
    const body = { meta: { name: 'not an item' }, x: { name: 'a' } };
    expect(both(model, body)).toEqual({ older: { meta: { name: 'not an item' }, x: { title: 'a' } }, back: body });
  });

  it('finds it as an allOf part of another schema', () => {
    const model = through(ref('Special'), { Special: { allOf: [ref('Item'), { type: 'object', properties: { bonus: { type: 'integer' } } }] } });
    const body = { name: 'a', bonus: 1 };
    expect(both(model, body)).toEqual({ older: { title: 'a', bonus: 1 }, back: body });
  });

  it('finds a field declared in an inline allOf part of the target schema, and renames it in the older document', () => {
    const model = through(ref('Special'), {
      Special: { allOf: [ref('Item'), { type: 'object', required: ['bonus'], properties: { bonus: { type: 'integer' } } }] },
    }, change({ description: 'Special.bonus was extra', instructions: [schema('Special').field('bonus').renamedFrom('extra')] }));
    expect(both(model, { name: 'a', bonus: 1 })).toEqual({ older: { name: 'a', extra: 1 }, back: { name: 'a', bonus: 1 } });
    expect(schemaAt(model, OLD, 'Special')).toEqual({
      allOf: [ref('Item'), { type: 'object', required: ['extra'], properties: { extra: { type: 'integer' } } }],
    });
  });

  it('finds it through a $ref chain', () => {
    const model = through(ref('Alias'), { Alias: ref('Middle'), Middle: ref('Item') });
    expect(both(model, { name: 'a' })).toEqual({ older: { title: 'a' }, back: { name: 'a' } });
  });

  describe('oneOf with a discriminator', () => {
    const schemas = {
      Other: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' }, name: { type: 'string' } } },
      Item: { ...structuredClone(item), properties: { kind: { type: 'string' }, ...(item.properties as object) } },
    };

    it('applies to the variant the mapping names, not to others', () => {
      const model = through({ oneOf: [ref('Item'), ref('Other')], discriminator: { propertyName: 'kind', mapping: { item: '#/components/schemas/Item', other: '#/components/schemas/Other' } } }, schemas);
      expect(both(model, { kind: 'item', name: 'a' })).toEqual({ older: { kind: 'item', title: 'a' }, back: { kind: 'item', name: 'a' } });
      expect(both(model, { kind: 'other', name: 'b' })).toEqual({ older: { kind: 'other', name: 'b' }, back: { kind: 'other', name: 'b' } });
    });

    it('matches on the schema name when there is no mapping', () => {
      const model = through({ type: 'array', items: { oneOf: [ref('Item'), ref('Other')], discriminator: { propertyName: 'kind' } } }, schemas);
      expect(both(model, [{ kind: 'Item', name: 'a' }, { kind: 'Other', name: 'b' }])).toEqual({
        older: [{ kind: 'Item', title: 'a' }, { kind: 'Other', name: 'b' }],
        back: [{ kind: 'Item', name: 'a' }, { kind: 'Other', name: 'b' }],
      });
    });
  });

  describe('oneOf without a discriminator', () => {
    it('applies to objects that have every field the variant requires', () => {
      const model = through({ type: 'array', items: { oneOf: [ref('Item'), ref('Other')] } }, {
        Other: { type: 'object', required: ['code'], properties: { code: { type: 'string' }, name: { type: 'string' } } },
      });
      const older = respond(model, 'POST /things', NEW, OLD, { body: [{ name: 'a' }, { code: 'x' }] }).body;
      expect(older).toEqual([{ title: 'a' }, { code: 'x' }]);
      // Up, the variant test reads the older document, where Item requires `title`.
      expect(send(model, 'POST /things', OLD, NEW, { body: [{ title: 'a' }, { code: 'x', title: 'b' }] }).body).toEqual([{ name: 'a' }, { code: 'x', name: 'b' }]);
    });

    it('rejects objects with fields a closed variant does not declare', () => {
      const model = through({ anyOf: [ref('Closed'), ref('Other')] }, {
        Closed: { allOf: [ref('Item')], type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string' }, sku: { type: 'string' } } },
        Other: { type: 'object', required: ['name', 'code'], properties: { name: { type: 'string' }, code: { type: 'string' } } },
      });
      expect(respond(model, 'POST /things', NEW, OLD, { body: { name: 'a', sku: 's' } }).body).toEqual({ title: 'a', sku: 's' });
      expect(respond(model, 'POST /things', NEW, OLD, { body: { name: 'a', code: 'c' } }).body).toEqual({ name: 'a', code: 'c' });
    });
  });

  it('finds it at every depth of a recursive schema', () => {
    const model = through(ref('Item'), {
      Item: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: ref('Item') } } },
    });
    const body: Json = { name: 'root', children: [{ name: 'a', children: [{ name: 'a1', children: [] }] }, { name: 'b' }] };
    expect(both(model, body)).toEqual({
      older: { title: 'root', children: [{ title: 'a', children: [{ title: 'a1', children: [] }] }, { title: 'b' }] },
      back: body,
    });
  });

  it('finds it through mutually recursive schemas, whichever is reached first', () => {
    const model = through({ type: 'object', properties: { node: ref('Node'), edge: ref('Edge') } }, {
      Node: { type: 'object', properties: { edges: { type: 'array', items: ref('Edge') }, item: ref('Item') } },
      Edge: { type: 'object', properties: { to: ref('Node') } },
    });
    const body = { node: { edges: [{ to: { item: { name: 'deep' } } }], item: { name: 'a' } }, edge: { to: { item: { name: 'b' } } } };
    expect(both(model, body)).toEqual({
      older: { node: { edges: [{ to: { item: { title: 'deep' } } }], item: { title: 'a' } }, edge: { to: { item: { title: 'b' } } } },
      back: body,
    });
  });

  it('leaves values of the wrong type and null alone', () => {
    const model = through({ type: 'object', properties: { item: ref('Item'), items: { type: 'array', items: ref('Item') } } });
    const body = { item: null, items: 'not an array' } as Json;
    expect(both(model, body)).toEqual({ older: body, back: body });
  });
});

describe('operations a schema does not occur in', () => {
  it('have no chain at all', async () => {
    const { buildResponseChain } = await import('../../gateway/translate/chain.js');
    const model = modelOf(openapi(NEW, { Item: structuredClone(item), Other: { type: 'object', properties: { name: { type: 'string' } } } }, {
      '/items': { get: answers(ref('Item')) },
      '/others': { get: answers(ref('Other')) },
    }), [[NEW, { 'item-name': itemName }], [OLD, {}]]);
    expect(buildResponseChain(model, 'GET /others', NEW, OLD).active).toBe(false);
    expect(buildResponseChain(model, 'GET /items', NEW, OLD).active).toBe(true);
    expect(buildResponseChain(model, 'GET /items', NEW, OLD).changeIds).toEqual([`${NEW}/item-name`]);
  });
});

describe('the compiled walk', () => {
  it('visits the same objects in the same order as walkPlan, which proofs and derived documents use', async () => {
    const { compileWalk, locate, walkPlan } = await import('../../gateway/translate/locate.js');
    const doc = openapi(NEW, {
      Item: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: ref('Item') } } },
      Tagged: { allOf: [ref('Item')], type: 'object', properties: { tag: { type: 'string' } } },
      Other: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
      Page: {
        type: 'object',
        properties: {
          data: { type: 'array', items: ref('Tagged') },
          grid: { type: 'array', items: { type: 'array', items: ref('Item') } },
          byId: { type: 'object', properties: { total: { type: 'object' } }, additionalProperties: ref('Item') },
          either: { oneOf: [ref('Item'), ref('Other')] },
        },
      },
    }, {});
    const plan = locate(doc, ref('Page'), new Set(['Item', 'Tagged', 'Other', 'Page']))!;
    const body: Json = {
      data: [{ name: 'a', tag: 't', children: [{ name: 'a1' }] }, null, 'x'],
      grid: [[{ name: 'g' }], []],
      byId: { total: { name: 'not a map value' }, k1: { name: 'm', children: [] } },
      either: { code: 'c' },
      extra: { name: 'not in the plan' },
    };
    const seen = (into: string[]) => (schema: string, object: Record<string, Json>) => {
      into.push(`${schema}:${JSON.stringify(object)}`);
      return { ...object, [`seen_${schema}`]: true };
    };
    const interpreted: string[] = [];
    const compiled: string[] = [];
    const viaPlan = walkPlan(plan, structuredClone(body), seen(interpreted));
    const record = seen(compiled);
    const viaCompiled = compileWalk(plan, (schema) => (object) => record(schema, object))(structuredClone(body));
    expect(compiled).toEqual(interpreted);
    expect(viaCompiled).toEqual(viaPlan);
    expect(interpreted.length).toBe(8);
  });
});
