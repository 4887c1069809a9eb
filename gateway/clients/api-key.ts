/**
 * API keys as client ids. The key itself is never kept in an identity, a log line or an error: the
 * id is `key_` + the first 16 hex digits of HMAC-SHA256(salt, key), which an operator computes
 * with `verso key-id` to attach a label in the config.
 */

import { LRUCache } from 'lru-cache';
import { createHmac } from 'node:crypto';
import type { ClientIdentity } from './identity.js';

/** Distinct keys remembered per rule; beyond it the oldest is forgotten (and hashed again if it returns). */
const CACHE_LIMIT = 10_000;
/**
 * Longer values are hashed on every request instead of cached: real keys are far shorter, and a
 * cap keeps a flood of 16 KB junk headers from holding 160 MB of memory.
 */
const CACHEABLE_KEY_LENGTH = 512;

/**
 * The client id of an API key: `key_` + the first 16 lower-case hex digits of HMAC-SHA256(salt, key).
 *
 * @example
 * keyId('a-salt-of-16-chars-or-more', 'sk_live_123') // 'key_…' (16 hex digits)
 */
export function keyId(salt: string, key: string): string {
  return `key_${createHmac('sha256', salt).update(key).digest('hex').slice(0, 16)}`;
}

/**
 * A reader for one `api-key` rule: key → identity, with the label configured for its id. Identities
 * are frozen and shared between requests from the same key, so repeat callers pay a map lookup
 * instead of an HMAC. The cache is keyed by the raw key: the process sees keys anyway, but the map
 * must never be logged or exposed.
 */
export function createApiKeyReader(salt: string, labels: ReadonlyMap<string, string>): (key: string) => ClientIdentity {
  const cache = new LRUCache<string, ClientIdentity>({ max: CACHE_LIMIT });
  const identify = (key: string): ClientIdentity => {
    const id = keyId(salt, key);
    const label = labels.get(id);
    return Object.freeze(label === undefined ? { id, by: 'api-key' as const } : { id, by: 'api-key' as const, label });
  };
  return (key) => {
    const cached = cache.get(key);
    if (cached) return cached;
    const identity = identify(key);
    if (key.length <= CACHEABLE_KEY_LENGTH) {
      cache.set(key, identity);
    }
    return identity;
  };
}
