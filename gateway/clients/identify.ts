/**
 * Who sent a request, from the configured rules tried in order: a header such as `X-Client-Id`,
 * else the remote address as the last resort. The id is on every log line.
 */

import type { ClientRule } from '../config/types.js';

export interface ClientIdentity {
  /** The client id: a header value, `key_…` for an API key, a JWT claim, or the remote address. */
  id: string;
  by: 'header' | 'api-key' | 'jwt' | 'remote-address';
  /** API keys: the label configured for this key id. */
  label?: string;
  /** JWT: whether the signature was verified (false: read unverified, no secret or JWKS configured). */
  verified?: boolean;
}

export interface IdentifyInput {
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string | undefined;
}

export function createIdentifier(rules: readonly ClientRule[]): (input: IdentifyInput) => ClientIdentity {
  return (input) => {
    for (const rule of rules) {
      if (rule.kind === 'header') {
        const value = input.headers[rule.header];
        const id = Array.isArray(value) ? value[0] : value;
        if (id) return { id: id.trim().slice(0, 200), by: 'header' };
      } else {
        return { id: input.remoteAddress ?? 'unknown', by: 'remote-address' };
      }
    }
    return { id: 'anonymous', by: 'remote-address' };
  };
}
