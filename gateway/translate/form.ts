/**
 * Request bodies as they arrive on the wire, decoded to the one object model changes see and
 * encoded back in the client's own encoding (DESIGN.md, "Wire formats").
 *
 * - JSON (`application/json`, any `+json`).
 * - `application/x-www-form-urlencoded` with the bracket conventions of Stripe, Rails and `qs`
 *   (`metadata[plan]=pro`, `items[0][price]=p_1`, `expand[]=a`), through `qs` itself. A form
 *   carries only strings, so the decoded object is coerced by the operation's request schema
 *   (integers, numbers and booleans the schema declares become JSON numbers and booleans, so a
 *   change sees what a JSON client would have sent) and encoded back with the array style the
 *   client used.
 *
 * Anything else (multipart/form-data, text/plain, …) on an operation whose chain must read the
 * body is refused with 415: a body that cannot be translated is never passed on silently.
 */

import qs from 'qs';
import type { Json, JsonObject } from './authoring.js';
import { itemsOf, resolveSchema, type OpenApiDocument, type SchemaObject } from './spec.js';

export const FORM_TYPE = 'application/x-www-form-urlencoded';
/** The request media types a chain can translate, for the 415's detail. */
export const TRANSLATABLE_TYPES = ['application/json', FORM_TYPE] as const;

const JSON_TYPE = /^application\/([\w.+-]*\+)?json$/;

/** How a request body of `contentType` is decoded for the chain: 'json', 'form', or undefined (cannot be translated). A missing type is read as JSON. */
export function bodyKind(contentType: string | undefined): 'json' | 'form' | undefined {
  if (contentType === undefined || contentType === '') return 'json';
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (JSON_TYPE.test(type)) return 'json';
  if (type === FORM_TYPE) return 'form';
  return undefined;
}

/** Limits on what a form body may decode to; past them the body is refused, not truncated. */
const PARSE_OPTIONS = {
  depth: 32,
  strictDepth: true,
  arrayLimit: 10_000,
  parameterLimit: 10_000,
  throwOnLimitExceeded: true,
  allowPrototypes: false,
  plainObjects: true,
  charset: 'utf-8',
} as const;

/** How a client wrote its arrays, so the body goes on in the same style. */
export type ArrayStyle = 'indices' | 'brackets';

/** A form body decoded: its value (all leaves strings) and the array style it used. Throws on a body past the limits. */
export function decodeForm(text: string): { value: JsonObject; style: ArrayStyle } {
  const value = qs.parse(text, PARSE_OPTIONS) as JsonObject;
  // `a[]=x` (brackets) versus `a[0]=x` (indices), raw or percent-encoded.
  const style: ArrayStyle = /\[\]=|%5B%5D=/i.test(text) ? 'brackets' : 'indices';
  return { value, style };
}

/** A value encoded as a form body, arrays in `style`; numbers and booleans as their text, null as empty. */
export function encodeForm(value: Json, style: ArrayStyle): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return '';
  return qs.stringify(value, { arrayFormat: style, encodeValuesOnly: true, strictNullHandling: false });
}

/**
 * A function that turns a decoded form (strings) into the object a JSON client would send,
 * following `schema` in `doc`: a string where the schema says integer, number or boolean becomes
 * one when it reads as one ("12", "1.5", "true"); anything else is left as sent, so the upstream
 * still judges it. Built once per chain.
 */
export function formCoercion(doc: OpenApiDocument, schema: SchemaObject | undefined): (value: Json) => Json {
  function coerce(value: Json, s: SchemaObject | undefined, depth: number): Json {
    const resolved = resolveSchema(doc, s);
    if (!resolved || depth > 64) return value;
    if (typeof value === 'string') return scalar(value, resolved);
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      const items = itemsOf(resolved);
      return items ? value.map((v) => coerce(v, items, depth + 1)) : value;
    }
    const props = propertiesOf(resolved);
    const extra = typeof resolved.additionalProperties === 'object' ? resolved.additionalProperties as SchemaObject : undefined;
    for (const key of Object.keys(value)) {
      const sub = props.get(key) ?? extra;
      if (sub) value[key] = coerce(value[key], sub, depth + 1);
    }
    return value;
  }
  /** Declared properties, `allOf` parts' included. */
  function propertiesOf(s: SchemaObject, out = new Map<string, SchemaObject>(), seen = new Set<SchemaObject>()): Map<string, SchemaObject> {
    if (seen.has(s)) return out;
    seen.add(s);
    for (const [key, sub] of Object.entries(s.properties ?? {})) out.set(key, sub as SchemaObject);
    for (const part of s.allOf ?? []) {
      const r = resolveSchema(doc, part as SchemaObject);
      if (r) propertiesOf(r, out, seen);
    }
    return out;
  }
  return (value) => coerce(value, schema, 0);
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function scalar(text: string, schema: SchemaObject): Json {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if ((types.includes('integer') || types.includes('number')) && NUMBER.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n) && (types.includes('number') || Number.isInteger(n))) return n;
  }
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}
