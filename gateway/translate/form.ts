/**
 * Request bodies as they arrive on the wire, decoded to the one object model changes see and
 * encoded back in the client's own encoding (DESIGN.md, "Wire formats").
 *
 * - JSON (`application/json`, any `+json`).
 * - `application/x-www-form-urlencoded` with the bracket conventions of Stripe, Rails and `qs`
 *   (`metadata[plan]=pro`, `items[0][price]=p_1`, `expand[]=a`), as `qs` reads and writes them
 *   (form-codec.ts: a fast path for regular forms, qs itself for the rest). A form
 *   carries only strings, so the decoded object is coerced by the operation's request schema
 *   (integers, numbers and booleans the schema declares become JSON numbers and booleans, so a
 *   change sees what a JSON client would have sent) and encoded back with the array style the
 *   client used.
 *
 * Anything else (multipart/form-data, text/plain, …) on an operation whose chain must read the
 * body is refused with 415: a body that cannot be translated is never passed on silently.
 */

import type { Json, JsonObject } from './authoring.js';
import { parseForm, stringifyForm, type ArrayStyle } from './form-codec.js';

export type { ArrayStyle } from './form-codec.js';
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

/** A form body decoded: its value (all leaves strings) and the array style it used. Throws on a body past the limits. */
export function decodeForm(text: string): { value: JsonObject; style: ArrayStyle } {
  const value = parseForm(text);
  // `a[]=x` (brackets) versus `a[0]=x` (indices), raw or percent-encoded.
  const style: ArrayStyle = /\[\]=|%5B%5D=/i.test(text) ? 'brackets' : 'indices';
  return { value, style };
}

/** A value encoded as a form body, arrays in `style`; numbers and booleans as their text, null as empty. */
export function encodeForm(value: Json, style: ArrayStyle): string {
  return stringifyForm(value, style);
}

type Coerce = (value: Json) => Json;
const AS_SENT: Coerce = (value) => value;

/**
 * A function that turns a decoded form (strings) into the object a JSON client would send,
 * following `schema` in `doc`: a string where the schema says integer, number or boolean becomes
 * one when it reads as one ("12", "1.5", "true"); anything else is left as sent, so the upstream
 * still judges it. Built once per chain: each schema becomes one function (a recursive schema
 * reuses its own), so a request resolves no schema and builds no map.
 */
export function formCoercion(doc: OpenApiDocument, schema: SchemaObject | undefined): Coerce {
  const compiled = new Map<SchemaObject, Coerce>();
  function compile(s: SchemaObject | undefined): Coerce {
    const resolved = resolveSchema(doc, s);
    if (!resolved) return AS_SENT;
    const known = compiled.get(resolved);
    if (known) return known;
    let run: Coerce = AS_SENT;
    const self: Coerce = (value) => run(value);
    compiled.set(resolved, self);
    const types = new Set(Array.isArray(resolved.type) ? resolved.type : [resolved.type]);
    const numeric = types.has('integer') || types.has('number');
    const boolean = types.has('boolean');
    const integerOnly = !types.has('number');
    const items = itemsOf(resolved);
    const item = items ? compile(items) : undefined;
    const properties = new Map([...propertiesOf(resolved)].map(([key, sub]) => [key, compile(sub)]));
    const extra = typeof resolved.additionalProperties === 'object' ? compile(resolved.additionalProperties as SchemaObject) : undefined;
    run = (value) => {
      if (typeof value === 'string') return numeric || boolean ? scalar(value, numeric, integerOnly, boolean) : value;
      if (value === null || typeof value !== 'object') return value;
      if (Array.isArray(value)) return item ? value.map(item) : value;
      for (const key of Object.keys(value)) {
        const sub = properties.get(key) ?? extra;
        if (sub) value[key] = sub(value[key]);
      }
      return value;
    };
    return self;
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
  return compile(schema);
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function scalar(text: string, numeric: boolean, integerOnly: boolean, boolean: boolean): Json {
  if (numeric && NUMBER.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n) && (!integerOnly || Number.isInteger(n))) return n;
  }
  if (boolean && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}
