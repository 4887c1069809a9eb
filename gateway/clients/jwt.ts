/**
 * JWT claims as client ids. With a `secret` (HS256/384/512) or a JWKS file (RS*, PS*, ES*, EdDSA)
 * a token names its client only once its signature, `exp`/`nbf` and the configured issuer and
 * audience check out: Verso is not an auth gateway, but it never trusts a claim it was asked to
 * verify and could not. Without either, the claim is read unverified and the identity says so.
 *
 * Verification is synchronous (fast-jwt with keys loaded at start-up) and its outcome is cached per
 * token string until the token expires, so a busy client is verified once, not on every request.
 */

import { LRUCache } from 'lru-cache';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createDecoder, createVerifier, TokenError, type Algorithm } from 'fast-jwt';
import type { ClientRule } from '../config/types.js';
import type { ClientIdentity } from './identity.js';

export type JwtRule = Extract<ClientRule, { kind: 'jwt' }>;

/** Clock skew allowed between the token issuer and this gateway when checking `exp` and `nbf`. */
export const CLOCK_TOLERANCE_MS = 30_000;
/** Tokens remembered per rule; beyond it the oldest is forgotten (and verified again if it returns). */
const CACHE_LIMIT = 10_000;
/** Longer tokens are verified on every request instead of cached, to bound the cache's memory. */
const CACHEABLE_TOKEN_LENGTH = 4096;
/** Same cap as header ids: a claim is a name, not a document. */
const MAX_ID_LENGTH = 200;

const HS_ALGORITHMS: Algorithm[] = ['HS256', 'HS384', 'HS512'];
const RSA_ALGORITHMS: Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS: Record<string, Algorithm> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
const OKP_CURVES = new Set(['Ed25519', 'Ed448']);

type Verify = (token: string) => Record<string, unknown>;

/** One key a token may be signed with. `kid` is ignored for the HMAC secret, which has no key set. */
interface VerificationKey {
  kid: string | undefined;
  algorithms: readonly Algorithm[];
  matchesAnyKid: boolean;
  verify: Verify;
}

interface Cached {
  /** Undefined: the token does not name a client (failed verification, or no usable claim). */
  identity: ClientIdentity | undefined;
  /** Epoch ms after which the outcome must be worked out again. */
  until: number;
}

const decodeComplete = createDecoder({ complete: true }) as (token: string) => { header: Record<string, unknown>; payload: Record<string, unknown> };
const decodePayload = createDecoder() as (token: string) => Record<string, unknown>;

/**
 * A reader for one `jwt` rule: token (without "Bearer ") → identity, or undefined when the token is
 * malformed, fails verification or lacks the claim, so the next rule is tried. Never throws.
 * Throws at creation when the rule's JWKS file cannot be used, naming the file and the problem.
 */
export function createJwtReader(rule: JwtRule): (token: string) => ClientIdentity | undefined {
  const keys = verificationKeys(rule);
  const verified = keys.length > 0;
  const read = verified ? (token: string) => verifyWith(keys, token) : decodePayload;
  const cache = new LRUCache<string, Cached>({ max: CACHE_LIMIT });

  const evaluate = (token: string): Cached => {
    let payload: Record<string, unknown>;
    try {
      payload = read(token);
    } catch (err) {
      // Not yet valid (`nbf`) is the one failure that time can cure: worth no cache entry.
      const permanent = !(err instanceof TokenError && err.code === TokenError.codes.inactive);
      return { identity: undefined, until: permanent ? Infinity : 0 };
    }
    const id = claimId(payload[rule.claim]);
    const identity = id === undefined ? undefined : Object.freeze({ id, by: 'jwt' as const, verified });
    const exp = payload.exp;
    // A verified token was checked against `exp`, so it is a number here when present.
    const until = verified && typeof exp === 'number' ? exp * 1000 + CLOCK_TOLERANCE_MS : Infinity;
    return { identity, until };
  };

  return (token) => {
    const cached = cache.get(token);
    if (cached && Date.now() <= cached.until) return cached.identity;
    const outcome = evaluate(token);
    if (outcome.until > Date.now() && token.length <= CACHEABLE_TOKEN_LENGTH) {
      cache.set(token, outcome);
    }
    return outcome.identity;
  };
}

/** A string or number claim as an id; anything else (missing, empty, object, boolean) is no id. */
function claimId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.slice(0, MAX_ID_LENGTH);
  return undefined;
}

/**
 * Verify with the key the token names: its `alg` must be one the key is for, and when it carries a
 * `kid` only the JWKS key with that `kid` is tried (the secret stands for any `kid`).
 */
function verifyWith(keys: readonly VerificationKey[], token: string): Record<string, unknown> {
  const { header } = decodeComplete(token);
  let failure: unknown = new TokenError(TokenError.codes.invalidKey, 'No configured key matches the token.');
  for (const key of keys) {
    if (!key.algorithms.includes(header.alg as Algorithm)) continue;
    if (!key.matchesAnyKid && header.kid !== undefined && header.kid !== key.kid) continue;
    try {
      return key.verify(token);
    } catch (err) {
      failure = err;
    }
  }
  throw failure;
}

function verificationKeys(rule: JwtRule): VerificationKey[] {
  const checks = {
    clockTolerance: CLOCK_TOLERANCE_MS,
    // fast-jwt checks iss/aud only when present; a configured one must also be there.
    requiredClaims: [...(rule.issuer ? ['iss'] : []), ...(rule.audience ? ['aud'] : [])],
    ...(rule.issuer ? { allowedIss: rule.issuer } : {}),
    ...(rule.audience ? { allowedAud: rule.audience } : {}),
  };
  const keys: VerificationKey[] = [];
  if (rule.secret !== undefined) {
    const verify = createVerifier({ ...checks, key: rule.secret, algorithms: HS_ALGORITHMS }) as Verify;
    keys.push({ kid: undefined, algorithms: HS_ALGORITHMS, matchesAnyKid: true, verify });
  }
  if (rule.jwksFile !== undefined) {
    for (const { kid, algorithms, pem } of loadJwks(rule.jwksFile)) {
      const verify = createVerifier({ ...checks, key: pem, algorithms }) as Verify;
      keys.push({ kid, algorithms, matchesAnyKid: false, verify });
    }
  }
  return keys;
}

interface JwksKey { kid: string | undefined; algorithms: Algorithm[]; pem: string }

/**
 * The signing keys of a JWKS file (RFC 7517), read once at start-up. Keys marked `"use": "enc"`
 * are skipped; anything unusable is an error naming the file and the key, so a typo fails the
 * start instead of silently ignoring every token.
 */
function loadJwks(file: string): JwksKey[] {
  const fail = (problem: string): never => {
    throw new Error(`JWKS file ${file}: ${problem}`);
  };
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail(`is not valid JSON (${(err as Error).message})`);
  }
  const list = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) fail('expected a JSON object with a "keys" array (RFC 7517 §5)');
  const keys = (list as unknown[]).flatMap((jwk, i) => {
    if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) return fail(`keys[${i}] is not an object`);
    const { use, kid } = jwk as JsonWebKey;
    if (use === 'enc') return [];
    return [jwksKey(jwk as JsonWebKey, (problem) => fail(`keys[${i}]${typeof kid === 'string' ? ` (kid "${kid}")` : ''} ${problem}`))];
  });
  if (keys.length === 0) fail('has no signing keys');
  return keys;
}

function jwksKey(jwk: JsonWebKey, fail: (problem: string) => never): JwksKey {
  const supported = supportedAlgorithms(jwk, fail);
  if (jwk.alg !== undefined && !supported.includes(jwk.alg as Algorithm)) fail(`has "alg": "${jwk.alg}", which does not fit its key type (expected ${supported.join(', ')})`);
  if (jwk.d !== undefined) fail('holds private key material ("d"): a JWKS file for verification must hold public keys only');
  let pem = '';
  try {
    pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  } catch (err) {
    fail(`is not a valid key (${(err as Error).message})`);
  }
  return { kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, algorithms: jwk.alg === undefined ? supported : [jwk.alg as Algorithm], pem };
}

function supportedAlgorithms(jwk: JsonWebKey, fail: (problem: string) => never): Algorithm[] {
  switch (jwk.kty) {
    case 'RSA':
      return RSA_ALGORITHMS;
    case 'EC': {
      const alg = EC_ALGORITHMS[jwk.crv ?? ''];
      return alg ? [alg] : fail(`has an unsupported EC curve "${jwk.crv}" (expected P-256, P-384 or P-521)`);
    }
    case 'OKP':
      return OKP_CURVES.has(jwk.crv ?? '') ? ['EdDSA'] : fail(`has an unsupported OKP curve "${jwk.crv}" (expected Ed25519 or Ed448)`);
    case 'oct':
      return fail('is a symmetric ("oct") key: put an HMAC secret in the rule\'s `secret` instead');
    default:
      return fail(`has an unsupported "kty" ${JSON.stringify(jwk.kty)} (expected RSA, EC or OKP)`);
  }
}
