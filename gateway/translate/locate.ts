/**
 * Where a component schema occurs inside a body, found from the OpenAPI document rather than
 * written per path: through `$ref` chains, nested properties, array items, map values
 * (`additionalProperties`), `allOf` parts and `oneOf`/`anyOf` variants. The result is a plan tree
 * that the runtime walks alongside the JSON value, visiting only the branches that can hold a
 * targeted schema. Recursive schemas give a cyclic plan; the walk follows the data, so it ends.
 */

import type { Json, JsonObject } from './authoring.js';
import { componentSchemas, itemsOf, resolveSchema, schemaRefName, type DiscriminatorObject, type OpenApiDocument, type SchemaObject } from './spec.js';

/** Whether an object reached through a `oneOf`/`anyOf` variant is an instance of that variant. */
export type VariantTest = (value: JsonObject) => boolean;

export interface PlanNode {
  /** Targeted schemas this value is an instance of. */
  schemas: string[];
  props: Map<string, PlanNode>;
  items?: PlanNode;
  values?: PlanNode;
  /** Declared `properties`, which `values` (`additionalProperties`) does not apply to. */
  declared?: ReadonlySet<string>;
  /** `allOf` parts: all apply to the same value. */
  parts: PlanNode[];
  /** `oneOf`/`anyOf` variants: each applies when its `matches` accepts the value. */
  variants: { matches: VariantTest; node: PlanNode }[];
}

function emptyNode(): PlanNode {
  return { schemas: [], props: new Map(), parts: [], variants: [] };
}

function isEmpty(node: PlanNode): boolean {
  return node.schemas.length === 0 && node.props.size === 0 && !node.items && !node.values && node.parts.length === 0 && node.variants.length === 0;
}

/**
 * The plan tree for `targets` inside `schema`, or undefined when no targeted schema can occur.
 * `found` collects every targeted schema that does occur, for "matches nothing" checks.
 */
export function locate(doc: OpenApiDocument, schema: SchemaObject | undefined, targets: ReadonlySet<string>, found?: Set<string>): PlanNode | undefined {
  if (!schema || targets.size === 0) return undefined;
  const memo = new Map<string, PlanNode | null>();
  const reach = reachability(doc, targets);

  function walk(s: SchemaObject | undefined): PlanNode | undefined {
    if (!s || typeof s !== 'object') return undefined;
    const refName = schemaRefName(s.$ref);
    if (refName !== undefined) {
      if (!reach(refName)) return undefined;
      const cached = memo.get(refName);
      if (cached !== undefined) return cached ?? undefined;
      const node = emptyNode();
      memo.set(refName, node); // before walking: a recursive reference finds this node
      if (targets.has(refName)) {
        node.schemas.push(refName);
        found?.add(refName);
      }
      const inner = walk(componentSchemas(doc)[refName]);
      if (inner) node.parts.push(inner);
      if (isEmpty(node)) {
        memo.set(refName, null);
        return undefined;
      }
      return node;
    }

    const node = emptyNode();
    for (const part of s.allOf ?? []) {
      const sub = walk(part);
      if (sub) node.parts.push(sub);
    }
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const variants: SchemaObject[] | undefined = s[keyword];
      if (!variants) continue;
      const discriminator = s.discriminator;
      for (const variant of variants) {
        const sub = walk(variant);
        if (sub) node.variants.push({ matches: variantTest(doc, variant, discriminator), node: sub });
      }
    }
    const props: Record<string, SchemaObject> | undefined = s.properties;
    if (props) {
      for (const [key, propSchema] of Object.entries(props)) {
        const sub = walk(propSchema);
        if (sub) node.props.set(key, sub);
      }
    }
    const items = itemsOf(s);
    if (items && typeof items === 'object') node.items = walk(items);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      node.values = walk(s.additionalProperties);
      if (node.values && props) node.declared = new Set(Object.keys(props));
    }
    return isEmpty(node) ? undefined : node;
  }

  return walk(schema);
}

/**
 * Which component schemas can (transitively) contain a target: others are never walked. Computed
 * as a fixed point over the whole reference graph, so mutually recursive schemas are right
 * whichever is asked about first (a depth-first walk that cuts cycles caches wrong negatives).
 */
function reachability(doc: OpenApiDocument, targets: ReadonlySet<string>): (name: string) => boolean {
  const schemas = componentSchemas(doc);
  const refsOf = (value: unknown, out: Set<string>) => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) { for (const v of value) refsOf(v, out); return; }
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref') { const n = schemaRefName(v); if (n) out.add(n); } else refsOf(v, out);
    }
  };
  const edges = new Map<string, Set<string>>();
  for (const [name, s] of Object.entries(schemas)) { const out = new Set<string>(); refsOf(s, out); edges.set(name, out); }
  const reaching = new Set(targets);
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, refs] of edges) {
      if (reaching.has(name)) continue;
      for (const ref of refs) if (reaching.has(ref)) { reaching.add(name); changed = true; break; }
    }
  }
  return (name) => reaching.has(name);
}

function variantTest(doc: OpenApiDocument, variant: SchemaObject, discriminator?: DiscriminatorObject): VariantTest {
  const refName = schemaRefName(variant.$ref);
  if (discriminator && refName) {
    const values = Object.entries(discriminator.mapping ?? {}).filter(([, ref]) => schemaRefName(ref) === refName || ref === refName).map(([value]) => value);
    if (values.length === 0) values.push(refName);
    const property = discriminator.propertyName;
    return (value) => {
      const tag = value[property];
      return typeof tag === 'string' && values.includes(tag);
    };
  }
  const resolved = resolveSchema(doc, variant);
  const required = resolved?.required ?? [];
  const properties = Object.keys(resolved?.properties ?? {});
  const closed = resolved?.additionalProperties === false;
  return (value) => {
    for (const key of required) if (!(key in value)) return false;
    if (closed) for (const key in value) if (!properties.includes(key)) return false;
    return true;
  };
}

/** Apply `visitObject` to every value the plan marks, children before parents. */
export function walkPlan(node: PlanNode, value: Json, visitObject: (schema: string, object: JsonObject) => JsonObject): Json {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = node.items;
    if (items) for (let i = 0; i < value.length; i++) value[i] = walkPlan(items, value[i], visitObject);
    for (const part of node.parts) value = walkPlan(part, value, visitObject) as Json[];
    return value;
  }
  let object: JsonObject = value;
  for (const [key, child] of node.props) {
    const v = object[key];
    if (v !== undefined && v !== null && typeof v === 'object') object[key] = walkPlan(child, v, visitObject);
  }
  if (node.values) {
    const declared = node.declared;
    for (const key in object) if (!declared?.has(key)) object[key] = walkPlan(node.values, object[key], visitObject);
  }
  for (const part of node.parts) object = walkPlan(part, object, visitObject) as JsonObject;
  for (const variant of node.variants) if (variant.matches(object)) object = walkPlan(variant.node, object, visitObject) as JsonObject;
  for (const schema of node.schemas) object = visitObject(schema, object);
  return object;
}

/** What a compiled walk does to one object of a targeted schema. */
export type SchemaOp = (object: JsonObject) => JsonObject;

/**
 * `walkPlan` compiled once per chain: each plan node becomes a generated function that reads its
 * properties by literal name, loops over array items with the items' walker and calls each
 * schema's operation directly, instead of iterating the node's maps and looking an operation up
 * by schema name for every object. The meaning is `walkPlan`'s (the translation tests run chains
 * through this walk; proofs and derived documents use `walkPlan`). A recursive plan compiles to
 * functions that call each other.
 */
export function compileWalk(root: PlanNode, opOf: (schema: string) => SchemaOp | undefined): (value: Json) => Json {
  const walkers: ((value: Json) => Json)[] = [];
  const index = new Map<PlanNode, number>();

  function compile(node: PlanNode): number {
    const known = index.get(node);
    if (known !== undefined) return known;
    const at = walkers.length;
    index.set(node, at);
    walkers.push(undefined as never); // a recursive node finds its own slot
    /** Functions, sets and tests the generated code refers to as `a[i]`. */
    const args: unknown[] = [walkers];
    const arg = (value: unknown) => `a[${args.push(value) - 1}]`;
    const walker = (child: PlanNode) => `w[${compile(child)}]`;
    const array: string[] = [];
    if (node.items) array.push(`for (let i = 0; i < v.length; i++) v[i] = ${walker(node.items)}(v[i]);`);
    for (const part of node.parts) array.push(`v = ${walker(part)}(v);`);
    const object: string[] = [];
    for (const [key, child] of node.props) {
      const k = JSON.stringify(key);
      object.push(`c = v[${k}]; if (c !== undefined && c !== null && typeof c === 'object') v[${k}] = ${walker(child)}(c);`);
    }
    if (node.values) {
      const skip = node.declared ? `if (${arg(node.declared)}.has(key)) continue; ` : '';
      object.push(`for (const key in v) { ${skip}v[key] = ${walker(node.values)}(v[key]); }`);
    }
    for (const part of node.parts) object.push(`v = ${walker(part)}(v);`);
    for (const { matches, node: variant } of node.variants) object.push(`if (${arg(matches)}(v)) v = ${walker(variant)}(v);`);
    for (const schema of node.schemas) {
      const op = opOf(schema);
      if (op) object.push(`v = ${arg(op)}(v);`);
    }
    // eslint-disable-next-line no-new-func
    walkers[at] = new Function('a', `const w = a[0];
return function walk(v) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    ${array.join('\n    ')}
    return v;
  }
  let c;
  ${object.join('\n  ')}
  return v;
};`)(args) as (value: Json) => Json;
    return at;
  }

  return walkers[compile(root)];
}
