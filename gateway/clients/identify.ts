/**
 * Who sent a request, from the configured rules tried in order: a header such as `X-Client-Id`, an
 * API key, a JWT claim, else the remote address as the last resort. The first rule that names a
 * client wins; a rule whose header is absent, or whose token fails verification, passes to the next.
 * Runs on every request, synchronously: keys and JWKS files are loaded here, once, and repeat
 * API keys and tokens hit per-rule caches. The id is on every log line.
 */

import type { ClientRule } from '../config/types.js';
import { createApiKeyReader } from './api-key.js';
import { createJwtReader } from './jwt.js';
import type { ClientIdentity, IdentifyInput } from './identity.js';

export type { ClientIdentity, IdentifyInput };

type Match = (input: IdentifyInput) => ClientIdentity | undefined;

const MAX_HEADER_ID_LENGTH = 200;
const BEARER = /^bearer\s+/i;
const ANONYMOUS: ClientIdentity = Object.freeze({ id: 'anonymous', by: 'remote-address' });

/**
 * The identify step for a list of rules. Identities from API keys and JWTs are frozen and shared
 * between requests. Throws when a JWT rule's JWKS file cannot be used (the message names the file).
 */
export function createIdentifier(rules: readonly ClientRule[]): (input: IdentifyInput) => ClientIdentity {
  const matchers = rules.map(matcher);
  return (input) => {
    for (const match of matchers) {
      const identity = match(input);
      if (identity) return identity;
    }
    return ANONYMOUS;
  };
}

function matcher(rule: ClientRule): Match {
  switch (rule.kind) {
    case 'header':
      return ({ headers }) => {
        const id = first(headers[rule.header])?.trim();
        return id ? { id: id.slice(0, MAX_HEADER_ID_LENGTH), by: 'header' } : undefined;
      };
    case 'api-key': {
      const read = createApiKeyReader(rule.salt, rule.labels);
      return ({ headers }) => {
        const key = credential(headers[rule.header]);
        return key ? read(key) : undefined;
      };
    }
    case 'jwt': {
      const read = createJwtReader(rule);
      return ({ headers }) => {
        const token = credential(headers[rule.header]);
        return token ? read(token) : undefined;
      };
    }
    case 'remote-address':
      return ({ remoteAddress }) => ({ id: remoteAddress ?? 'unknown', by: 'remote-address' });
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A header value without its `Bearer ` scheme (RFC 6750 §2.1), as keys and tokens often come in `Authorization`. */
function credential(value: string | string[] | undefined): string | undefined {
  const raw = first(value)?.trim();
  return raw ? raw.replace(BEARER, '') : undefined;
}
