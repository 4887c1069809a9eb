/**
 * Fusing the object operations of several consecutive steps into one pass per object.
 *
 * Each step's instructions for a schema become a small program of primitives (rename, drop,
 * convert a value, set a constant, run an author's function). Composing the programs of a
 * chain symbolically at start-up resolves every rename to the physical key it finally reads, so
 * values are converted in place and the object is rebuilt (renamed, dropped, re-ordered) once at
 * the end, instead of once per step. Only an author's function that reads the whole object (a
 * derivation, a schema-level converter) forces the object into its intermediate shape first.
 * Why: a rebuild costs about as much as 10% of a JSON.parse + JSON.stringify of the body, and a
 * chain of ten renames rebuilt per step doubled the cost of translating a 20 KB list.
 */

import { getAt, parsePath, removeAt, setAt } from './field-path.js';
import type { FieldInstruction, Json, JsonObject } from './authoring.js';

export type Direction = 'up' | 'down';
export type ObjectOp = (object: JsonObject) => JsonObject;

export type Prim =
  /** Simultaneous renames: `[from, to]` pairs (a rotation is fine). */
  | { kind: 'rename'; pairs: [string, string][] }
  | { kind: 'drop'; field: string }
  | { kind: 'value'; field: string; fn: (value: Json) => Json }
  | { kind: 'enum'; field: string; from: string; to: string }
  /** Always set the field to a constant. */
  | { kind: 'set'; field: string; value: Json }
  /** Set the field to a constant when it is absent. */
  | { kind: 'default'; field: string; value: Json }
  /** Author functions that read the whole object: they run on the object in its current shape. */
  | { kind: 'opaque'; fn: (object: JsonObject) => void };

const HIDDEN = (field: string) => `\u0000${field}`;

/** The primitives that move one object of a schema one step in `direction`. */
export function programFor(instructions: FieldInstruction[], direction: Direction): Prim[] {
  const derives: { field: string; derive: (o: JsonObject) => Json | undefined; constant?: Json }[] = [];
  const early: Prim[] = [];
  const values: Prim[] = [];
  const renames: [string, string][] = [];
  const drops: Prim[] = [];
  const late: Prim[] = [];
  for (const ins of instructions) {
    switch (ins.kind) {
      case 'field-renamed':
        renames.push(direction === 'down' ? [ins.field, ins.from] : [ins.from, ins.field]);
        break;
      case 'field-added': {
        const { field, default: fallback } = ins;
        if (direction === 'down') drops.push({ kind: 'drop', field });
        else if (typeof fallback === 'function') late.push({ kind: 'opaque', fn: (o) => { if (o[field] === undefined) o[field] = fallback(o); } });
        else if (fallback !== undefined) late.push({ kind: 'default', field, value: fallback });
        break;
      }
      case 'field-removed':
        if (direction === 'down') derives.push({ field: ins.field, derive: ins.derive, constant: ins.constant });
        else {
          const { field, up } = ins;
          if (up) early.push({ kind: 'opaque', fn: (o) => { if (o[field] !== undefined) up(o[field], o); } });
          drops.push({ kind: 'drop', field });
        }
        break;
      case 'field-converted':
        values.push({ kind: 'value', field: ins.field, fn: direction === 'down' ? ins.down : ins.up });
        break;
      case 'field-moved': {
        // Both directions before the renames: the path it leaves is named as the object has it.
        const [out, into] = direction === 'down' ? [parsePath(ins.field)!, parsePath(ins.from)!] : [parsePath(ins.from)!, parsePath(ins.field)!];
        early.push({ kind: 'opaque', fn: (o) => {
          const value = getAt(o, out);
          if (value === undefined) return;
          removeAt(o, out);
          setAt(o, into, value);
        } });
        break;
      }
      case 'field-constraint': {
        // Where the previous version's clients meet the difference: their requests going up
        // (became required: fill in; became non-nullable: replace a null), or the responses they
        // get going down (became optional: fill in; became nullable: replace a null). Named as this
        // version has the field, like the value operations: before renames down, after them up.
        const { field, change, default: fallback } = ins;
        const moves = change === 'became-required' || change === 'became-non-nullable' ? 'up' : 'down';
        if (direction !== moves) break;
        const value = (o: JsonObject) => (typeof fallback === 'function' ? fallback(o) : fallback as Json);
        if (change === 'became-required' || change === 'became-optional') {
          values.push(typeof fallback === 'function' ? { kind: 'opaque', fn: (o) => { if (o[field] === undefined) o[field] = value(o); } } : { kind: 'default', field, value: fallback as Json });
        } else if (fallback === undefined) {
          values.push({ kind: 'opaque', fn: (o) => { if (o[field] === null) delete o[field]; } });
        } else {
          values.push({ kind: 'opaque', fn: (o) => { if (o[field] === null) o[field] = value(o); } });
        }
        break;
      }
      case 'enum-renamed':
        values.push(direction === 'down' ? { kind: 'enum', field: ins.field, from: ins.to, to: ins.from } : { kind: 'enum', field: ins.field, from: ins.from, to: ins.to });
        break;
      case 'schema-converted': {
        const fn = direction === 'down' ? ins.down : ins.up;
        if (fn) (direction === 'down' ? late : early).push({ kind: 'opaque', fn });
        break;
      }
      default:
        break;
    }
  }
  // Derived values see the object exactly as this version has it; they ride under a hidden key
  // until the renames are done, then take their own name.
  const computed = derives.filter((d) => d.constant === undefined);
  const derivePrims: Prim[] = [];
  if (computed.length > 0) {
    derivePrims.push({
      kind: 'opaque',
      fn: (o) => {
        const results = computed.map((d) => d.derive(o));
        computed.forEach((d, i) => { if (results[i] !== undefined) o[HIDDEN(d.field)] = results[i]!; });
      },
    });
  }
  for (const d of derives) if (d.constant !== undefined) derivePrims.push({ kind: 'set', field: HIDDEN(d.field), value: d.constant });
  const place: [string, string][] = derives.map((d) => [HIDDEN(d.field), d.field]);
  // Value operations name fields as this version has them: down, before the renames move them
  // away; up, after the renames have moved them in (a field renamed and enum-renamed at once).
  const renamePrims: Prim[] = renames.length ? [{ kind: 'rename', pairs: renames }] : [];
  return [
    ...early,
    ...derivePrims,
    ...(direction === 'down' ? values : []),
    ...renamePrims,
    ...drops,
    ...(direction === 'up' ? values : []),
    ...(place.length ? [{ kind: 'rename' as const, pairs: place }] : []),
    ...late,
  ];
}

/**
 * Compile a sequence of primitives (possibly from several steps) into one function. Renames and
 * drops are tracked as a mapping from logical names to the object's physical keys and applied in
 * one rebuild when something needs the real shape, or at the end.
 *
 * The function is generated source (`new Function`), one per schema and chain: every field it
 * reads or writes is a string literal (a named property access, monomorphic in the schema's
 * objects) and every author function is called from a call site of its own, where closures
 * sharing one body would share one megamorphic site per kind of step. `known` names the fields
 * the objects are declared with (the schema's properties): the rebuild stores those by literal
 * name too, and only undeclared keys take the generic keyed store.
 */
export function fuse(prims: Prim[], known: Iterable<string> = []): ObjectOp | undefined {
  if (prims.length === 0) return undefined;
  const code: string[] = [];
  /** Functions and constants the generated code refers to as `a[i]`. */
  const args: unknown[] = [];
  const arg = (value: unknown) => `a[${args.push(value) - 1}]`;
  /** Logical name → physical key (null: absent). Names not here map to themselves. */
  let logical = new Map<string, string | null>();
  /** Physical key → logical name it now carries (null: hidden). Keys not here keep their name. */
  let physical = new Map<string, string | null>();
  /** Keys the objects are expected to carry at this point of the program. */
  let declared = new Set(known);
  const dirty = () => logical.size > 0 || physical.size > 0;
  const at = (name: string): string | null => (logical.has(name) ? logical.get(name)! : physical.has(name) ? null : name);

  const materialize = () => {
    if (!dirty()) return;
    code.push(rebuild(physical, declared));
    const next = new Set<string>();
    for (const key of declared) {
      const name = physical.has(key) ? physical.get(key)! : key;
      if (name !== null) next.add(name);
    }
    for (const name of physical.values()) if (name !== null) next.add(name);
    declared = next;
    logical = new Map();
    physical = new Map();
  };

  for (const prim of prims) {
    switch (prim.kind) {
      case 'rename': {
        const sources = prim.pairs.map(([from]) => at(from));
        const targets = new Set(prim.pairs.map(([, to]) => to));
        // What backed each target before is displaced (unless it moves itself).
        const displaced = prim.pairs.map(([, to]) => at(to));
        for (const [from] of prim.pairs) if (!targets.has(from)) logical.set(from, null);
        for (const old of displaced) if (old !== null && !sources.includes(old)) physical.set(old, null);
        prim.pairs.forEach(([, to], i) => {
          const source = sources[i];
          logical.set(to, source);
          if (source !== null) physical.set(source, to);
        });
        break;
      }
      case 'drop': {
        const key = at(prim.field);
        if (key !== null) physical.set(key, null);
        logical.set(prim.field, null);
        break;
      }
      case 'value': {
        const key = at(prim.field);
        if (key === null) break;
        const k = lit(key);
        code.push(`v = o[${k}]; if (v !== undefined) o[${k}] = ${arg(prim.fn)}(v);`);
        break;
      }
      case 'enum': {
        const key = at(prim.field);
        if (key === null) break;
        const [k, from, to] = [lit(key), lit(prim.from), lit(prim.to)];
        code.push(`v = o[${k}]; if (v === ${from}) o[${k}] = ${to}; else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) if (v[i] === ${from}) v[i] = ${to};`);
        break;
      }
      case 'set':
      case 'default': {
        let key = at(prim.field);
        if (key === null && physical.has(prim.field)) {
          // The physical key of that name holds another field's value: settle the shape first.
          materialize();
          key = at(prim.field);
        }
        const target = key ?? prim.field;
        // An absent field gets a physical key of its own name (free, or freed by materialize()).
        if (key === null) logical.delete(prim.field);
        declared.add(target);
        const value = prim.value;
        const fresh = value !== null && typeof value === 'object' ? `structuredClone(${arg(value)})` : arg(value);
        const t = lit(target);
        code.push(prim.kind === 'set' ? `o[${t}] = ${fresh};` : `if (o[${t}] === undefined) o[${t}] = ${fresh};`);
        break;
      }
      case 'opaque': {
        materialize();
        code.push(`${arg(prim.fn)}(o);`);
        break;
      }
    }
  }
  materialize();
  // eslint-disable-next-line no-new-func
  return new Function('a', `return function fused(o) {
  let v;
  ${code.join('\n  ')}
  return o;
};`)(args) as ObjectOp;
}

/** A key as a string literal in generated source: JSON.stringify makes any key text safe. */
const lit = (key: string) => JSON.stringify(key);

/**
 * The one-pass rebuild for a mapping of physical keys to new names (null: dropped), generated as
 * a `switch` over the known keys: V8 compares internalized string constants by pointer, about
 * twice as fast as a Map lookup per key, and this runs for every translated object. Declared keys
 * that keep their name get a case of their own, so their store names the key; a parsed
 * "__proto__" key stays data.
 */
function rebuild(names: Map<string, string | null>, declared: ReadonlySet<string>): string {
  const cases = [...names].filter(([key]) => key !== '__proto__').map(([key, name]) => `case ${lit(key)}: ${name === null ? '' : `out[${lit(name)}] = o[key]; `}break;`);
  for (const key of declared) if (!names.has(key) && key !== '__proto__') cases.push(`case ${lit(key)}: out[${lit(key)}] = o[key]; break;`);
  return `{
    const out = {};
    for (const key in o) {
      switch (key) {
        ${cases.join('\n        ')}
        case "__proto__": Object.defineProperty(out, key, { value: o[key], enumerable: true, writable: true, configurable: true }); break;
        default: out[key] = o[key];
      }
    }
    o = out;
  }`;
}
