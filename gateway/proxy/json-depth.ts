/**
 * How deep a parsed JSON body nests (`proxy.jsonDepth`). `JSON.parse` itself reads any depth, but
 * `JSON.stringify` and the chain's walk recurse: a body nested some thousands of levels deep
 * overflowed the stack, which on the response path left the client waiting forever (issue 10).
 * Bodies are checked after parsing, before anything recurses into them.
 */

import type { Json } from '../translate/authoring.js';

/**
 * Whether `value` nests arrays and objects more than `limit` levels deep (a bare object is one
 * level). Its own recursion stops at `limit`, so checking cannot overflow either.
 */
export function deeperThan(value: Json, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v !== null && typeof v === 'object' && deeperThan(v, limit - 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    const v = value[key];
    if (v !== null && typeof v === 'object' && deeperThan(v, limit - 1)) return true;
  }
  return false;
}
