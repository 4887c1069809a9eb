/**
 * The version named by an Accept header, either as a media type parameter
 * (`application/json; version=2024-09-01`) or inside a vendor type (`application/vnd.shop.v2+json`).
 * Every media range that names a version is returned (the resolver refuses two that disagree).
 * Pure; results for repeated headers are cached.
 */

import { LRUCache } from 'lru-cache';

/** Distinct Accept headers remembered (least recently used out first). */
const CACHE_LIMIT = 512;
/** Accept header → the versions it names, [] for none (lru-cache keeps no undefined values). */
const cache = new LRUCache<string, MediaTypeVersion[]>({ max: CACHE_LIMIT });

export function mediaTypeVersion(accept: string, parameter: string, vendor: string | undefined): MediaTypeVersion[] | undefined {
  // Fast path: most Accept headers (`*/*`, `application/json`) name no version at all.
  if (!accept.includes('=') && !(vendor && accept.includes('vnd.'))) return undefined;
  const key = `${parameter}\u0000${vendor ?? ''}\u0000${accept}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached.length === 0 ? undefined : cached;
  const found = parse(accept, parameter.toLowerCase(), vendor?.toLowerCase());
  cache.set(key, found);
  return found.length === 0 ? undefined : found;
}

/** A version an Accept header names: from a media type parameter, or from a vendor type's name. */
export interface MediaTypeVersion { value: string; vendor: boolean }

function parse(accept: string, parameter: string, vendor: string | undefined): MediaTypeVersion[] {
  const found: MediaTypeVersion[] = [];
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';');
    let named = false;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq === -1) continue;
      if (param.slice(0, eq).trim().toLowerCase() === parameter) {
        found.push({ value: param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'), vendor: false });
        named = true;
        break;
      }
    }
    if (vendor && !named) {
      // application/vnd.NAME.VERSION+json (the suffix is optional)
      const prefix = `vnd.${vendor}.`;
      const subtype = type.trim().toLowerCase().split('/')[1] ?? '';
      if (subtype.startsWith(prefix)) {
        const rest = type.trim().split('/')[1].slice(prefix.length);
        const plus = rest.indexOf('+');
        const version = plus === -1 ? rest : rest.slice(0, plus);
        if (version) found.push({ value: version, vendor: true });
      }
    }
  }
  return found;
}
