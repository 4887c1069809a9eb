import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../../gateway/translate/authoring.js';
import { fuse, type Prim } from '../../gateway/translate/fuse.js';

/** Apply primitives one by one, each as its own pass: the meaning fusing must preserve. */
function sequential(prims: Prim[], object: JsonObject): JsonObject {
  let o = object;
  for (const prim of prims) {
    const op = fuse([prim]);
    if (op) o = op(o);
  }
  return o;
}

const FIELDS = ['a', 'b', 'c', 'd', 'e'];
const field = fc.constantFrom(...FIELDS);

const prim: fc.Arbitrary<Prim> = fc.oneof(
  fc.uniqueArray(fc.tuple(field, field), { minLength: 1, maxLength: 3, selector: ([from]) => from })
    .filter((pairs) => new Set(pairs.map(([, to]) => to)).size === pairs.length)
    .map((pairs) => ({ kind: 'rename' as const, pairs })),
  field.map((f) => ({ kind: 'drop' as const, field: f })),
  field.map((f) => ({ kind: 'value' as const, field: f, fn: (v: Json) => (typeof v === 'number' ? v * 2 : `${String(v)}!`) })),
  fc.tuple(field, fc.constantFrom('x', 'y'), fc.constantFrom('x', 'y', 'z')).map(([f, from, to]) => ({ kind: 'enum' as const, field: f, from, to })),
  fc.tuple(field, fc.integer({ min: 0, max: 9 })).map(([f, value]) => ({ kind: 'set' as const, field: f, value })),
  fc.tuple(field, fc.integer({ min: 0, max: 9 })).map(([f, value]) => ({ kind: 'default' as const, field: f, value })),
  fc.constant({ kind: 'opaque' as const, fn: (o: JsonObject) => { o.seen = Object.keys(o).join(','); } }),
);

const object = fc.dictionary(fc.constantFrom(...FIELDS, 'other'), fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom('x', 'y', 'z')), { maxKeys: 6 });

describe('fusing object operations', () => {
  it('gives exactly what applying each primitive in turn gives, key order included', () => {
    fc.assert(fc.property(fc.array(prim, { maxLength: 12 }), object, (prims, input) => {
      const expected = sequential(prims, structuredClone(input));
      const fused = fuse(prims);
      const actual = fused ? fused(structuredClone(input)) : structuredClone(input);
      expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
    }), { numRuns: 2000 });
  });

  it('gives the same result when told the fields the objects are declared with', () => {
    fc.assert(fc.property(fc.array(prim, { maxLength: 12 }), object, fc.subarray(FIELDS), (prims, input, known) => {
      const expected = sequential(prims, structuredClone(input));
      const fused = fuse(prims, known);
      const actual = fused ? fused(structuredClone(input)) : structuredClone(input);
      expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
    }), { numRuns: 2000 });
  });

  it('rebuilds the object once for a chain of renames, not once per rename', () => {
    let rebuilt = 0;
    const prims: Prim[] = [
      { kind: 'rename', pairs: [['a', 'b']] },
      { kind: 'rename', pairs: [['b', 'c']] },
      { kind: 'rename', pairs: [['d', 'e']] },
    ];
    const input: JsonObject = { a: 1, d: 2, other: 3 };
    const proxy = new Proxy(input, { ownKeys(target) { rebuilt++; return Reflect.ownKeys(target); } });
    expect(fuse(prims)!(proxy)).toEqual({ c: 1, e: 2, other: 3 });
    expect(rebuilt).toBe(1);
  });

  it('swaps two fields in one simultaneous rename', () => {
    expect(fuse([{ kind: 'rename', pairs: [['a', 'b'], ['b', 'a']] }])!({ a: 1, b: 2 })).toEqual({ b: 1, a: 2 });
  });
});

describe('rebuilding objects', () => {
  it('keeps a "__proto__" key from a parsed body as data, not as a prototype', () => {
    const input = JSON.parse('{"a":1,"__proto__":{"polluted":true}}') as JsonObject;
    const out = fuse([{ kind: 'rename', pairs: [['a', 'b']] }])!(input);
    expect(JSON.stringify(out)).toBe('{"b":1,"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
