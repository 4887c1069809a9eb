import { createSigner } from 'fast-jwt';
import { describe, expect, it } from 'vitest';
import { keyId } from '../../gateway/clients/api-key.js';
import { createIdentifier, type IdentifyInput } from '../../gateway/clients/identify.js';
import type { ClientRule } from '../../gateway/config/types.js';

const SALT = 'verso-test-salt-0123';
const SECRET = 'a-long-enough-hmac-secret-for-tests';
const KEY = 'sk_live_4f9a2b';
const KEY_ID = 'key_386cf8f088859f06';

const header: ClientRule = { kind: 'header', header: 'x-client-id' };
const apiKey: ClientRule = { kind: 'api-key', header: 'x-api-key', salt: SALT, labels: new Map([[KEY_ID, 'Acme']]) };
const jwt: ClientRule = { kind: 'jwt', header: 'authorization', claim: 'sub', secret: SECRET };
const remote: ClientRule = { kind: 'remote-address' };

const request = (headers: IdentifyInput['headers'], remoteAddress: string | undefined = '203.0.113.7'): IdentifyInput => ({ headers, remoteAddress });
const token = (payload: Record<string, unknown>) => createSigner({ key: SECRET })(payload);

describe('client identification', () => {
  it('uses the first rule that names a client, in the configured order', () => {
    const identify = createIdentifier([apiKey, jwt, header, remote]);
    const all = { 'x-api-key': KEY, authorization: `Bearer ${token({ sub: 'alice' })}`, 'x-client-id': 'mobile' };
    expect(identify(request(all))).toEqual({ id: KEY_ID, by: 'api-key', label: 'Acme' });
    expect(identify(request({ ...all, 'x-api-key': undefined }))).toEqual({ id: 'alice', by: 'jwt', verified: true });
    expect(identify(request({ 'x-client-id': 'mobile' }))).toEqual({ id: 'mobile', by: 'header' });
    expect(identify(request({}))).toEqual({ id: '203.0.113.7', by: 'remote-address' });
  });

  it('passes over a JWT that fails verification to the next rule', () => {
    const identify = createIdentifier([jwt, header, remote]);
    const forged = createSigner({ key: 'not-the-secret-at-all' })({ sub: 'admin' });
    expect(identify(request({ authorization: `Bearer ${forged}`, 'x-client-id': 'mobile' }))).toEqual({ id: 'mobile', by: 'header' });
    expect(identify(request({ authorization: `Bearer ${forged}` }))).toEqual({ id: '203.0.113.7', by: 'remote-address' });
  });

  it('trims a header id, caps it at 200 characters and takes the first of repeated headers', () => {
    const identify = createIdentifier([header]);
    expect(identify(request({ 'x-client-id': '  mobile  ' }))).toEqual({ id: 'mobile', by: 'header' });
    expect(identify(request({ 'x-client-id': 'c'.repeat(250) }))).toEqual({ id: 'c'.repeat(200), by: 'header' });
    expect(identify(request({ 'x-client-id': ['first', 'second'] }))).toEqual({ id: 'first', by: 'header' });
  });

  it('skips empty and blank header values', () => {
    const identify = createIdentifier([header, apiKey, jwt, remote]);
    const blank = { 'x-client-id': '  ', 'x-api-key': '', authorization: 'Bearer   ' };
    expect(identify(request(blank))).toEqual({ id: '203.0.113.7', by: 'remote-address' });
  });

  it('reads an API key from Authorization without its Bearer scheme', () => {
    const identify = createIdentifier([{ kind: 'api-key', header: 'authorization', salt: SALT, labels: new Map() }]);
    expect(identify(request({ authorization: `Bearer ${KEY}` }))).toEqual({ id: KEY_ID, by: 'api-key' });
    expect(identify(request({ authorization: KEY }))).toEqual({ id: keyId(SALT, KEY), by: 'api-key' });
  });

  it('never exposes the API key in the identity', () => {
    const identify = createIdentifier([apiKey]);
    expect(JSON.stringify(identify(request({ 'x-api-key': KEY })))).not.toContain(KEY);
  });

  it('gives the same id to a client named alike by different rules', () => {
    const identify = createIdentifier([jwt, header]);
    const byJwt = identify(request({ authorization: `Bearer ${token({ sub: 'alice' })}` }));
    const byHeader = identify(request({ 'x-client-id': 'alice' }));
    expect([byJwt.id, byHeader.id]).toEqual(['alice', 'alice']);
  });

  it('falls back to "unknown" without a remote address, and to "anonymous" when no rule matches', () => {
    expect(createIdentifier([remote])({ headers: {}, remoteAddress: undefined })).toEqual({ id: 'unknown', by: 'remote-address' });
    expect(createIdentifier([header])(request({}))).toEqual({ id: 'anonymous', by: 'remote-address' });
    expect(createIdentifier([])(request({}))).toEqual({ id: 'anonymous', by: 'remote-address' });
  });

  it('fails at creation when a JWT rule names an unreadable JWKS file', () => {
    const rule: ClientRule = { kind: 'jwt', header: 'authorization', claim: 'sub', jwksFile: '/nonexistent/verso/jwks.json' };
    expect(() => createIdentifier([rule])).toThrow('JWKS file /nonexistent/verso/jwks.json: cannot be read (ENOENT)');
  });
});
