/**
 * The round trip half of `verso check`'s proof: what a step may lose by declaration, and a
 * readable difference between the payload that went out and the one that came back.
 *
 * The rule, for one step (version V and the previous version P):
 *
 * - Requests go up, P → V, then back down, V → P, and must give back the input, except
 *   (a) a field P had that V `removed()` without an `up` function: going up it is dropped by
 *   declaration, and going down `derive` re-creates it from what V has, which may differ; and
 *   (b) objects of a schema whose `converted()` has no `down` function (not compared at all).
 *   A step with a request hook for the operation is not round-tripped: hooks only move up.
 * - Responses go down, V → P, then back up, P → V, and must give back the input, except
 *   (a) a field V `added()`: P has no place for it, so going down drops it, and going up it can
 *   only come back as a default; and (b) objects of a schema whose `converted()` has no `up`
 *   function. A step with a response hook for the operation is not round-tripped: hooks only
 *   move down. The status must come back too (`statusChanged` maps both ways).
 *
 * Every other instruction — renames of fields, enum values, schemas, headers and paths,
 * `converted()` fields, `removed()` fields with `up` — claims to lose nothing, and is held to it.
 */

import type { Json, JsonObject } from '../authoring.js';
import { locate, walkPlan } from '../locate.js';
import type { Step } from '../model.js';
import type { OpenApiDocument, SchemaObject } from '../spec.js';

export interface LossyParts {
  /** Schema name (as the compared version calls it) → fields not compared. */
  fields: Map<string, Set<string>>;
  /** Schemas whose objects are not compared. */
  opaque: Set<string>;
}

/** What the step loses by declaration, named as the version the round trip starts from has it. */
export function lossyParts(step: Step, body: 'request' | 'response'): LossyParts {
  const fields = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  // Requests are compared in the previous version's shape, where a renamed schema has its old name.
  const olderName = new Map([...step.renamedSchemas].map(([older, newer]) => [newer, older]));
  const nameOf = (schema: string) => (body === 'request' ? olderName.get(schema) ?? schema : schema);
  const addField = (schema: string, field: string) => fields.set(nameOf(schema), (fields.get(nameOf(schema)) ?? new Set()).add(field));
  for (const { change } of step.changes) {
    for (const ins of change.instructions) {
      if (body === 'request' && ins.kind === 'field-removed' && !ins.up) addField(ins.schema, ins.field);
      if (body === 'response' && ins.kind === 'field-added') addField(ins.schema, ins.field);
      // A default filled in (or a null replaced) on the way to or from the previous version does not come back out.
      if (ins.kind === 'field-constraint' && (body === 'request') === (ins.change === 'became-required' || ins.change === 'became-non-nullable')) addField(ins.schema, ins.field);
      if (ins.kind === 'schema-converted' && (ins.up || ins.down) && !(body === 'request' ? ins.down : ins.up)) opaque.add(nameOf(ins.schema));
    }
  }
  return { fields, opaque };
}

/** A copy of `value` without the parts the step loses by declaration. */
export function withoutLossy(doc: OpenApiDocument, schema: SchemaObject, value: Json | undefined, lossy: LossyParts): Json | undefined {
  if (value === undefined) return value;
  const targets = new Set([...lossy.fields.keys(), ...lossy.opaque]);
  const plan = locate(doc, schema, targets);
  const copy = structuredClone(value);
  if (!plan) return copy;
  return walkPlan(plan, copy, (name, object) => {
    if (lossy.opaque.has(name)) return {};
    const drop = lossy.fields.get(name);
    if (!drop) return object;
    const out: JsonObject = {};
    for (const key in object) if (!drop.has(key)) out[key] = object[key];
    return out;
  });
}

/** Up to `limit` differences: `/amount: sent 1999, got back 2000`. */
export function differences(sent: Json | undefined, back: Json | undefined, limit = 3): string[] {
  const out: string[] = [];
  const show = (v: Json | undefined) => {
    const text = v === undefined ? 'nothing' : JSON.stringify(v);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  };
  const walk = (a: Json | undefined, b: Json | undefined, path: string) => {
    if (out.length >= limit) return;
    const where = path === '' ? '(body)' : path;
    if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
      if (Array.isArray(a)) {
        const bs = b as Json[];
        for (let i = 0; i < Math.max(a.length, bs.length); i++) walk(a[i], bs[i], `${path}/${i}`);
        return;
      }
      const bo = b as JsonObject;
      for (const key of new Set([...Object.keys(a), ...Object.keys(bo)])) walk(a[key], bo[key], `${path}/${key}`);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${where}: sent ${show(a)}, got back ${show(b)}`);
  };
  walk(sent, back, '');
  return out;
}
