/**
 * The bracket form codec on the request path: `qs`'s results, faster for the forms clients
 * actually send (issue 12's bench: qs.parse and qs.stringify were most of what a translated form
 * create cost over a streamed one).
 *
 * - Decoding takes a fast path for regular forms: every key is a name followed by `[segment]`s,
 *   each path set once, each array filled either by `[]` or by indices. Anything else (a repeated
 *   key, a key that is both a value and a container, `__proto__`, text between brackets, more
 *   parameters or depth than the limits) is handed to `qs.parse`, which defines the result. A
 *   property test (test/translate/form-codec.test.ts) holds the two equal.
 * - Encoding writes what `qs.stringify` writes with `encodeValuesOnly` (keys as they are, values
 *   percent-encoded per RFC 3986) in the client's array style.
 */

import qs from 'qs';
import type { Json, JsonObject } from './authoring.js';

/** How a client wrote its arrays, so the body goes on in the same style. */
export type ArrayStyle = 'indices' | 'brackets';

/** Limits on what a form body may decode to; past them the body is refused, not truncated. */
export const FORM_LIMITS = { depth: 32, parameters: 10_000, arrayLength: 10_000 } as const;

const PARSE_OPTIONS = {
  depth: FORM_LIMITS.depth,
  strictDepth: true,
  arrayLimit: FORM_LIMITS.arrayLength,
  parameterLimit: FORM_LIMITS.parameters,
  throwOnLimitExceeded: true,
  allowPrototypes: false,
  plainObjects: true,
  charset: 'utf-8',
} as const;

/** The fast path met something only qs defines. */
const IRREGULAR = Symbol('irregular');

type Node = Record<string, unknown> | unknown[];
/** How each array was filled: by `[]` pushes, or by explicit indices (kept sparse until the end). */
const PUSHED = 1;
const INDEXED = 2;

/** A form body decoded (all leaves strings). Throws (as qs does) on a body past the limits. */
export function parseForm(text: string): JsonObject {
  const fast = parseRegular(text);
  return fast === IRREGULAR ? qs.parse(text, PARSE_OPTIONS) as JsonObject : fast;
}

function parseRegular(text: string): JsonObject | typeof IRREGULAR {
  const root = Object.create(null) as Record<string, unknown>;
  const arrays = new Map<unknown[], number>();
  let count = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      if (++count > FORM_LIMITS.parameters) return IRREGULAR;
      const part = text.slice(start, end);
      // qs splits at `]=` when there is one (a value may hold `=`), else at the first `=`.
      const bracketEquals = part.indexOf(']=');
      const eq = bracketEquals === -1 ? part.indexOf('=') : bracketEquals + 1;
      const key = decode(eq === -1 ? part : part.slice(0, eq));
      const value = eq === -1 ? '' : decode(part.slice(eq + 1));
      // qs drops a parameter with no name (`=x`).
      if (key !== '' && assign(root, key, value, arrays) === IRREGULAR) return IRREGULAR;
    }
    start = end + 1;
  }
  // Indexed arrays are compacted (a[1]=x alone is ['x']), in index order, as qs does.
  for (const [array, how] of arrays) {
    if (how === INDEXED && array.length !== Object.keys(array).length) {
      const dense = array.filter(() => true);
      array.length = 0;
      array.push(...dense);
    }
  }
  return root as JsonObject;
}

function assign(root: Record<string, unknown>, key: string, value: string, arrays: Map<unknown[], number>): void | typeof IRREGULAR {
  const open = key.indexOf('[');
  if (open === 0) return IRREGULAR;
  const parent = open === -1 ? key : key.slice(0, open);
  if (parent === '__proto__') return IRREGULAR;
  if (open === -1) {
    if (parent in root) return IRREGULAR;
    root[parent] = value;
    return;
  }
  // The segments: consecutive `[...]` groups to the end of the key, nothing between or after.
  const segments: string[] = [];
  let at = open;
  while (at < key.length) {
    if (key.charCodeAt(at) !== 91 /* [ */) return IRREGULAR;
    const close = key.indexOf(']', at + 1);
    if (close === -1) return IRREGULAR;
    const segment = key.slice(at + 1, close);
    if (segment.includes('[') || segment === '__proto__') return IRREGULAR;
    segments.push(segment);
    at = close + 1;
  }
  if (segments.length > FORM_LIMITS.depth) return IRREGULAR;

  let container: Node = root;
  let slot: string = parent;
  for (let i = 0; i <= segments.length; i++) {
    const last = i === segments.length;
    const segment = last ? undefined : segments[i];
    if (container === root || !Array.isArray(container)) {
      const object = container as Record<string, unknown>;
      if (last) {
        if (slot in object) return IRREGULAR;
        object[slot] = value;
        return;
      }
      let next = object[slot];
      const wantsArray = segment === '' || isIndex(segment!);
      if (next === undefined) {
        next = wantsArray ? [] : Object.create(null);
        object[slot] = next;
      } else if (typeof next !== 'object' || Array.isArray(next) !== wantsArray) {
        return IRREGULAR;
      }
      container = next as Node;
    } else {
      // container is an array; slot is '' (push) or an index.
      const array = container;
      const how = slot === '' ? PUSHED : INDEXED;
      const was = arrays.get(array);
      if (was !== undefined && was !== how) return IRREGULAR;
      arrays.set(array, how);
      const index = how === PUSHED ? array.length : Number(slot);
      if (index >= FORM_LIMITS.arrayLength) return IRREGULAR;
      if (last) {
        if (how === INDEXED && index in array) return IRREGULAR;
        array[index] = value;
        return;
      }
      // `a[][b]=1&a[][c]=2`: qs merges both into the first entry; leave such forms to it.
      if (how === PUSHED) return IRREGULAR;
      const wantsArray = segment === '' || isIndex(segment!);
      let next = array[index];
      if (next === undefined) {
        next = wantsArray ? [] : Object.create(null);
        array[index] = next;
      } else if (typeof next !== 'object' || next === null || Array.isArray(next) !== wantsArray) {
        return IRREGULAR;
      }
      container = next as Node;
    }
    slot = segment!;
  }
}

/** `0`, `12`: a canonical array index qs reads as one (not `01`, not `-1`, not past the limit). */
function isIndex(segment: string): boolean {
  if (segment.length === 0 || segment.length > 5) return false;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return segment === '0' || segment.charCodeAt(0) !== 48;
}

/** qs's decoding: `+` is a space; a malformed escape leaves the text as it is. */
function decode(text: string): string {
  const spaced = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** A value encoded as a form body, arrays in `style`; numbers and booleans as their text, null as empty. */
export function stringifyForm(value: Json, style: ArrayStyle): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return '';
  const out: string[] = [];
  try {
    for (const key of Object.keys(value)) write(out, key, value[key], style);
  } catch (err) {
    // A lone surrogate, which encodeURIComponent refuses: qs's own encoder decides what it becomes.
    if (err instanceof URIError) return qs.stringify(value, { arrayFormat: style, encodeValuesOnly: true, strictNullHandling: false });
    throw err;
  }
  return out.join('&');
}

function write(out: string[], prefix: string, value: unknown, style: ArrayStyle): void {
  if (value === undefined) return;
  if (value === null) {
    out.push(`${prefix}=`);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) write(out, style === 'brackets' ? `${prefix}[]` : `${prefix}[${i}]`, value[i], style);
  } else if (typeof value === 'object') {
    for (const key of Object.keys(value)) write(out, `${prefix}[${key}]`, (value as Record<string, unknown>)[key], style);
  } else {
    out.push(`${prefix}=${encode(String(value))}`);
  }
}

/** RFC 3986 percent-encoding, as qs writes it: encodeURIComponent leaves `!'()*` as they are. */
function encode(text: string): string {
  const encoded = encodeURIComponent(text);
  return /[!'()*]/.test(encoded) ? encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : encoded;
}
