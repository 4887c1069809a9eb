import { createHmac, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner, type Algorithm } from 'fast-jwt';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdentifier, type ClientIdentity } from '../../gateway/clients/identify.js';
import { CLOCK_TOLERANCE_MS, createJwtReader, type JwtRule } from '../../gateway/clients/jwt.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const NOW_S = NOW / 1000;
const SECRET = 'a-long-enough-hmac-secret-for-tests';
const NEXT_RULE: ClientIdentity = { id: 'next-rule', by: 'header' };

const dir = mkdtempSync(join(tmpdir(), 'verso-jwt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Pair { privatePem: string; publicKey: KeyObject }
function pair(kind: 'rsa' | 'ec' | 'ed25519', curve?: string): Pair {
  const { privateKey, publicKey } = kind === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: curve ?? 'P-256' }) : generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}
const rsaA = pair('rsa');
const rsaB = pair('rsa');
const ec = pair('ec');
const ed = pair('ed25519');
const jwk = (p: Pair, extra: Record<string, string> = {}): JsonWebKey => ({ ...p.publicKey.export({ format: 'jwk' }), ...extra });

let files = 0;
function jwksFile(content: unknown): string {
  const file = join(dir, `jwks-${files++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
const JWKS = jwksFile({
  keys: [
    jwk(rsaA, { kid: 'rsa-a', use: 'sig' }),
    jwk(rsaB, { kid: 'rsa-b', alg: 'RS256' }),
    jwk(ec, { kid: 'ec-1' }),
    jwk(ed, { kid: 'ed-1' }),
  ],
});

function sign(key: string, payload: Record<string, unknown>, options: { algorithm?: Algorithm; kid?: string } = {}): string {
  return createSigner({ key, noTimestamp: true, ...options })(payload);
}
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An identifier with the rule under test first and a header rule after it, so a failing token shows up as NEXT_RULE. */
function identifier(rule: Partial<JwtRule>): (token: string) => ClientIdentity {
  const identify = createIdentifier([
    { kind: 'jwt', header: 'authorization', claim: 'sub', ...rule },
    { kind: 'header', header: 'x-fallback' },
  ]);
  return (token) => identify({ headers: { authorization: `Bearer ${token}`, 'x-fallback': 'next-rule' }, remoteAddress: '10.0.0.1' });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => vi.useRealTimers());

describe('JWT with an HMAC secret', () => {
  const identify = identifier({ secret: SECRET });

  it('identifies the client by the verified sub claim', () => {
    expect(identify(sign(SECRET, { sub: 'alice', exp: NOW_S + 3600 }))).toStrictEqual({ id: 'alice', by: 'jwt', verified: true });
  });

  it('accepts HS384 and HS512 as well', () => {
    expect(identify(sign(SECRET, { sub: 'bob' }, { algorithm: 'HS384' }))).toEqual({ id: 'bob', by: 'jwt', verified: true });
    expect(identify(sign(SECRET, { sub: 'carol' }, { algorithm: 'HS512' }))).toEqual({ id: 'carol', by: 'jwt', verified: true });
  });

  it('reads the configured claim, and a number claim as a string', () => {
    const byClientId = identifier({ secret: SECRET, claim: 'client_id' });
    expect(byClientId(sign(SECRET, { sub: 'u1', client_id: 'acme-app' }))).toEqual({ id: 'acme-app', by: 'jwt', verified: true });
    expect(byClientId(sign(SECRET, { client_id: 4711 }))).toEqual({ id: '4711', by: 'jwt', verified: true });
  });

  it('passes to the next rule when the claim is missing, empty or not a string or number', () => {
    expect(identify(sign(SECRET, { name: 'no sub' }))).toEqual(NEXT_RULE);
    expect(identify(sign(SECRET, { sub: '' }))).toEqual(NEXT_RULE);
    expect(identify(sign(SECRET, { sub: '   ' }))).toEqual(NEXT_RULE);
    expect(identify(sign(SECRET, { sub: { id: 'x' } }))).toEqual(NEXT_RULE);
    expect(identify(sign(SECRET, { sub: true }))).toEqual(NEXT_RULE);
  });

  it('caps a very long claim at 200 characters', () => {
    expect(identify(sign(SECRET, { sub: 'x'.repeat(300) }))).toEqual({ id: 'x'.repeat(200), by: 'jwt', verified: true });
  });

  it('passes to the next rule for a token signed with another secret', () => {
    expect(identify(sign('some-other-secret-entirely', { sub: 'mallory' }))).toEqual(NEXT_RULE);
  });

  it('passes to the next rule for an expired token', () => {
    expect(identify(sign(SECRET, { sub: 'alice', exp: NOW_S - 60 }))).toEqual(NEXT_RULE);
  });

  it('allows 30 seconds of clock skew on exp and nbf', () => {
    expect(CLOCK_TOLERANCE_MS).toBe(30_000);
    expect(identify(sign(SECRET, { sub: 'alice', exp: NOW_S - 20 }))).toEqual({ id: 'alice', by: 'jwt', verified: true });
    expect(identify(sign(SECRET, { sub: 'alice', nbf: NOW_S + 20 }))).toEqual({ id: 'alice', by: 'jwt', verified: true });
  });

  it('passes to the next rule for a token that is not valid yet, and identifies it once it is', () => {
    const token = sign(SECRET, { sub: 'alice', nbf: NOW_S + 120 });
    expect(identify(token)).toEqual(NEXT_RULE);
    vi.setSystemTime(NOW + 121_000);
    expect(identify(token)).toEqual({ id: 'alice', by: 'jwt', verified: true });
  });

  it('passes to the next rule for an unsigned token (alg none)', () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory' })}.`;
    expect(identify(token)).toEqual(NEXT_RULE);
  });

  it('passes to the next rule for a token whose payload was altered after signing', () => {
    const [header, , signature] = sign(SECRET, { sub: 'alice' }).split('.');
    expect(identify(`${header}.${b64({ sub: 'admin' })}.${signature}`)).toEqual(NEXT_RULE);
  });

  it('passes to the next rule for malformed tokens without throwing', () => {
    for (const token of ['not-a-token', 'a.b.c', '..', '...', 'e30.e30', `${b64([1])}.${b64({ sub: 'x' })}.sig`, `${b64({ alg: 'HS256' })}.${b64('str')}.sig`, 'eyJ!.eyJ.x']) {
      expect(identify(token)).toEqual(NEXT_RULE);
    }
  });

  it('strips the Bearer scheme case-insensitively', () => {
    const identify = createIdentifier([{ kind: 'jwt', header: 'authorization', claim: 'sub', secret: SECRET }]);
    const token = sign(SECRET, { sub: 'alice' });
    for (const value of [`Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`, token]) {
      expect(identify({ headers: { authorization: value }, remoteAddress: undefined })).toEqual({ id: 'alice', by: 'jwt', verified: true });
    }
  });
});

describe('JWT issuer and audience', () => {
  const identify = identifier({ secret: SECRET, issuer: 'https://auth.example.com/', audience: 'verso' });

  it('identifies a token from the configured issuer for the configured audience', () => {
    expect(identify(sign(SECRET, { sub: 'alice', iss: 'https://auth.example.com/', aud: 'verso' }))).toEqual({ id: 'alice', by: 'jwt', verified: true });
    expect(identify(sign(SECRET, { sub: 'alice', iss: 'https://auth.example.com/', aud: ['billing', 'verso'] }))).toEqual({ id: 'alice', by: 'jwt', verified: true });
  });

  it('passes to the next rule for another issuer or a missing one', () => {
    expect(identify(sign(SECRET, { sub: 'alice', iss: 'https://evil.example.com/', aud: 'verso' }))).toEqual(NEXT_RULE);
    expect(identify(sign(SECRET, { sub: 'alice', aud: 'verso' }))).toEqual(NEXT_RULE);
  });

  it('passes to the next rule for another audience or a missing one', () => {
    expect(identify(sign(SECRET, { sub: 'alice', iss: 'https://auth.example.com/', aud: 'billing' }))).toEqual(NEXT_RULE);
    expect(identify(sign(SECRET, { sub: 'alice', iss: 'https://auth.example.com/' }))).toEqual(NEXT_RULE);
  });
});

describe('JWT with a JWKS file', () => {
  const identify = identifier({ jwksFile: JWKS });

  it('verifies an RS256 token with the key its kid names', () => {
    expect(identify(sign(rsaA.privatePem, { sub: 'rs-client', exp: NOW_S + 60 }, { algorithm: 'RS256', kid: 'rsa-a' }))).toEqual({ id: 'rs-client', by: 'jwt', verified: true });
    expect(identify(sign(rsaB.privatePem, { sub: 'rs-client-b' }, { algorithm: 'RS256', kid: 'rsa-b' }))).toEqual({ id: 'rs-client-b', by: 'jwt', verified: true });
  });

  it('verifies ES256, PS256 and EdDSA tokens', () => {
    expect(identify(sign(ec.privatePem, { sub: 'es-client' }, { algorithm: 'ES256', kid: 'ec-1' }))).toEqual({ id: 'es-client', by: 'jwt', verified: true });
    expect(identify(sign(rsaA.privatePem, { sub: 'ps-client' }, { algorithm: 'PS256', kid: 'rsa-a' }))).toEqual({ id: 'ps-client', by: 'jwt', verified: true });
    expect(identify(sign(ed.privatePem, { sub: 'ed-client' }, { algorithm: 'EdDSA', kid: 'ed-1' }))).toEqual({ id: 'ed-client', by: 'jwt', verified: true });
  });

  it('passes to the next rule when the kid names a different key than the one that signed', () => {
    expect(identify(sign(rsaB.privatePem, { sub: 'mallory' }, { algorithm: 'RS256', kid: 'rsa-a' }))).toEqual(NEXT_RULE);
  });

  it('passes to the next rule for a kid the file does not hold', () => {
    expect(identify(sign(rsaA.privatePem, { sub: 'alice' }, { algorithm: 'RS256', kid: 'retired' }))).toEqual(NEXT_RULE);
  });

  it('tries every key that fits the algorithm when the token has no kid', () => {
    expect(identify(sign(rsaB.privatePem, { sub: 'no-kid' }, { algorithm: 'RS256' }))).toEqual({ id: 'no-kid', by: 'jwt', verified: true });
  });

  it('passes to the next rule for an algorithm the key is not marked for', () => {
    expect(identify(sign(rsaB.privatePem, { sub: 'alice' }, { algorithm: 'RS512', kid: 'rsa-b' }))).toEqual(NEXT_RULE);
  });

  it('passes to the next rule for an HS256 token signed with a public key as the secret', () => {
    const publicPem = rsaA.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const forged = `${b64({ alg: 'HS256', kid: 'rsa-a' })}.${b64({ sub: 'mallory' })}`;
    const token = `${forged}.${createHmac('sha256', publicPem).update(forged).digest('base64url')}`;
    expect(identify(token)).toEqual(NEXT_RULE);
  });

  it('passes to the next rule for expired and not-yet-valid tokens', () => {
    expect(identify(sign(ec.privatePem, { sub: 'alice', exp: NOW_S - 60 }, { algorithm: 'ES256', kid: 'ec-1' }))).toEqual(NEXT_RULE);
    expect(identify(sign(ec.privatePem, { sub: 'alice', nbf: NOW_S + 60 }, { algorithm: 'ES256', kid: 'ec-1' }))).toEqual(NEXT_RULE);
  });

  it('passes to the next rule for an unsigned token (alg none) naming a known kid', () => {
    expect(identify(`${b64({ alg: 'none', kid: 'rsa-a' })}.${b64({ sub: 'mallory' })}.`)).toEqual(NEXT_RULE);
  });

  it('uses both the secret and the JWKS file when both are configured', () => {
    const both = identifier({ secret: SECRET, jwksFile: JWKS });
    expect(both(sign(SECRET, { sub: 'hs-client' }, { kid: 'anything' }))).toEqual({ id: 'hs-client', by: 'jwt', verified: true });
    expect(both(sign(ec.privatePem, { sub: 'es-client' }, { algorithm: 'ES256', kid: 'ec-1' }))).toEqual({ id: 'es-client', by: 'jwt', verified: true });
  });
});

describe('JWKS file problems', () => {
  const fails = (file: string) => () => createJwtReader({ kind: 'jwt', header: 'authorization', claim: 'sub', jwksFile: file });

  it('names a missing file', () => {
    const file = join(dir, 'missing.json');
    expect(fails(file)).toThrow(`JWKS file ${file}: cannot be read (ENOENT)`);
  });

  it('names a file that is not JSON', () => {
    const file = jwksFile('{ keys: [');
    expect(fails(file)).toThrow(new RegExp(`^JWKS file ${file}: is not valid JSON \\(`));
  });

  it('names a file without a keys array', () => {
    const file = jwksFile({ kty: 'RSA' });
    expect(fails(file)).toThrow(`JWKS file ${file}: expected a JSON object with a "keys" array (RFC 7517 §5)`);
  });

  it('names a file with only encryption keys', () => {
    const file = jwksFile({ keys: [jwk(rsaA, { use: 'enc' })] });
    expect(fails(file)).toThrow(`JWKS file ${file}: has no signing keys`);
  });

  it('refuses a symmetric key, pointing at the secret option', () => {
    const file = jwksFile({ keys: [{ kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' }] });
    expect(fails(file)).toThrow(`JWKS file ${file}: keys[0] (kid "hmac") is a symmetric ("oct") key: put an HMAC secret in the rule's \`secret\` instead`);
  });

  it('refuses a private key', () => {
    const privateJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const file = jwksFile({ keys: [jwk(ec), privateJwk] });
    expect(fails(file)).toThrow(`JWKS file ${file}: keys[1] holds private key material ("d"): a JWKS file for verification must hold public keys only`);
  });

  it('refuses an unsupported curve and an alg that does not fit the key', () => {
    const k1 = jwksFile({ keys: [jwk(pair('ec', 'secp256k1'), { kid: 'k1' })] });
    expect(fails(k1)).toThrow(`JWKS file ${k1}: keys[0] (kid "k1") has an unsupported EC curve "secp256k1" (expected P-256, P-384 or P-521)`);
    const mismatch = jwksFile({ keys: [jwk(ec, { alg: 'RS256' })] });
    expect(fails(mismatch)).toThrow(`JWKS file ${mismatch}: keys[0] has "alg": "RS256", which does not fit its key type (expected ES256)`);
  });

  it('refuses a key whose numbers are not a key', () => {
    const file = jwksFile({ keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }] });
    expect(fails(file)).toThrow(new RegExp(`^JWKS file ${file}: keys\\[0\\] is not a valid key \\(`));
  });
});

describe('JWT read unverified', () => {
  const identify = identifier({});

  it('reads the claim of any well-formed token and marks it unverified', () => {
    expect(identify(sign('whatever-the-issuer-used', { sub: 'alice' }))).toStrictEqual({ id: 'alice', by: 'jwt', verified: false });
    expect(identify(`${b64({ alg: 'none' })}.${b64({ sub: 42 })}.`)).toStrictEqual({ id: '42', by: 'jwt', verified: false });
  });

  it('passes to the next rule for malformed tokens and missing claims', () => {
    expect(identify('not-a-token')).toEqual(NEXT_RULE);
    expect(identify(`${b64({ alg: 'none' })}.${b64({ name: 'x' })}.`)).toEqual(NEXT_RULE);
  });
});

describe('JWT verification cache', () => {
  const rule: JwtRule = { kind: 'jwt', header: 'authorization', claim: 'sub', secret: SECRET };

  it('returns the same identity for a repeated token without verifying it again', () => {
    const read = createJwtReader(rule);
    const token = sign(SECRET, { sub: 'alice', exp: NOW_S + 3600 });
    const first = read(token);
    expect(first).toEqual({ id: 'alice', by: 'jwt', verified: true });
    expect(read(token)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('stops identifying a cached token once it expires (past the clock tolerance)', () => {
    const read = createJwtReader(rule);
    const token = sign(SECRET, { sub: 'alice', exp: NOW_S + 60 });
    expect(read(token)).toEqual({ id: 'alice', by: 'jwt', verified: true });
    vi.setSystemTime(NOW + 60_000 + CLOCK_TOLERANCE_MS);
    expect(read(token)).toEqual({ id: 'alice', by: 'jwt', verified: true });
    vi.setSystemTime(NOW + 60_000 + CLOCK_TOLERANCE_MS + 1_000);
    expect(read(token)).toBeUndefined();
  });

  it('keeps a token that failed verification failed', () => {
    const read = createJwtReader(rule);
    const token = sign('not-the-secret', { sub: 'mallory' });
    expect(read(token)).toBeUndefined();
    expect(read(token)).toBeUndefined();
  });

  it('does not cache very long tokens, but still identifies them', () => {
    const read = createJwtReader(rule);
    const token = sign(SECRET, { sub: 'alice', padding: 'p'.repeat(5000) });
    const first = read(token);
    expect(first).toEqual({ id: 'alice', by: 'jwt', verified: true });
    expect(read(token)).not.toBe(first);
  });
});
