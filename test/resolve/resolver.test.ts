import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../gateway/config/load.js';
import { Resolver, type ResolveInput } from '../../gateway/resolve/resolver.js';
import { shopConfig } from '../helpers/servers.js';

function resolver(extra = ''): Resolver {
  return new Resolver(loadConfigText(shopConfig('http://127.0.0.1:1', extra), 'test.yaml'));
}

const input = (over: Partial<ResolveInput>): ResolveInput => ({ path: '/orders', query: '', headers: {}, ...over });

function ok(r: ReturnType<Resolver['resolve']>) {
  if (!r.ok) throw new Error(`expected a version, got ${r.kind}: ${r.detail}`);
  return { version: r.version.id, source: r.source, requested: r.requested, path: r.path };
}

describe('version resolution', () => {
  const r = resolver();

  it('reads the API-Version header', () => {
    expect(ok(r.resolve(input({ headers: { 'api-version': '2024-09-01' } })))).toEqual({ version: '2024-09-01', source: 'header', requested: '2024-09-01', path: '/orders' });
  });

  it('reads a path prefix by id and strips it', () => {
    expect(ok(r.resolve(input({ path: '/2024-01-01/orders/ord_1' })))).toEqual({ version: '2024-01-01', source: 'path', requested: '2024-01-01', path: '/orders/ord_1' });
  });

  it('reads a path prefix by alias and strips it', () => {
    expect(ok(r.resolve(input({ path: '/v3/orders' })))).toEqual({ version: '2024-09-01', source: 'path', requested: 'v3', path: '/orders' });
  });

  it('strips a bare version path to the root', () => {
    expect(ok(r.resolve(input({ path: '/v3' }))).path).toBe('/');
  });

  it('reads the api-version query parameter, percent-decoded', () => {
    expect(ok(r.resolve(input({ query: 'limit=2&api-version=2024%2D09%2D01' })))).toEqual({ version: '2024-09-01', source: 'query', requested: '2024-09-01', path: '/orders' });
  });

  it('reads a version parameter of the Accept media type', () => {
    expect(ok(r.resolve(input({ headers: { accept: 'application/json; version=2024-01-01' } })))).toMatchObject({ version: '2024-01-01', source: 'media-type' });
  });

  it('reads a vendor media type once a vendor is configured', () => {
    const v = resolver('resolve:\n  mediaType: { vendor: shop }');
    expect(ok(v.resolve(input({ headers: { accept: 'application/vnd.shop.v2+json' } })))).toMatchObject({ version: '2024-01-01', source: 'media-type', requested: 'v2' });
    expect(ok(v.resolve(input({ headers: { accept: 'text/html, application/vnd.shop.2024-09-01+json;q=0.9' } })))).toMatchObject({ version: '2024-09-01' });
  });

  it('ignores vendor media types of other vendors', () => {
    const v = resolver('resolve:\n  mediaType: { vendor: shop }');
    expect(ok(v.resolve(input({ headers: { accept: 'application/vnd.other.v2+json' } })))).toMatchObject({ version: '2025-06-01', source: 'default' });
  });

  it('ignores a vendor media type whose version part names no version, as Octokit sends vnd.github.v3+json to an API without a v3', () => {
    const v = resolver('resolve:\n  mediaType: { vendor: github }');
    expect(ok(v.resolve(input({ headers: { accept: 'application/vnd.github.v9+json', 'api-version': '2024-01-01' } })))).toMatchObject({ version: '2024-01-01', source: 'header' });
    expect(ok(v.resolve(input({ headers: { accept: 'application/vnd.github.v9+json' } })))).toMatchObject({ version: '2025-06-01', source: 'default' });
    // What was ignored is said, for the request path's debug line; a recognised vendor version says nothing.
    expect(v.resolve(input({ headers: { accept: 'application/vnd.github.v9+json', 'api-version': '2024-01-01' } }))).toMatchObject({ ok: true, ignoredVendorVersion: 'v9' });
    expect(v.resolve(input({ headers: { accept: 'application/vnd.github.v9+json' } }))).toMatchObject({ ok: true, ignoredVendorVersion: 'v9' });
    expect(v.resolve(input({ headers: { accept: 'application/vnd.github.v2+json' } }))).not.toHaveProperty('ignoredVendorVersion');
    const strict = resolver('resolve:\n  mediaType: { vendor: github, unknownVendor: reject }');
    expect(strict.resolve(input({ headers: { accept: 'application/vnd.github.v9+json', 'api-version': '2024-01-01' } }))).toMatchObject({ ok: false, kind: 'unknown-version' });
  });

  it('refuses one source naming two different versions, and accepts it naming one version twice', () => {
    expect(r.resolve(input({ query: 'api-version=2024-09-01&api-version=2025-06-01' }))).toEqual({
      ok: false, kind: 'version-conflict',
      detail: 'The api-version query parameter is given twice, as 2024-09-01 and as 2025-06-01; send one version.',
    });
    expect(r.resolve(input({ headers: { accept: 'application/json; version=2024-01-01, application/xml; version=2024-09-01' } }))).toMatchObject({ ok: false, kind: 'version-conflict' });
    expect(ok(r.resolve(input({ query: 'api-version=v3&api-version=2024-09-01' })))).toMatchObject({ version: '2024-09-01', source: 'query', requested: 'v3' });
    expect(r.resolve(input({ query: 'api-version=2024-09-01&api-version=nope' }))).toMatchObject({ ok: false, kind: 'unknown-version', requested: 'nope' });
  });

  it('falls back to the default (head) when nothing names a version', () => {
    expect(ok(r.resolve(input({})))).toEqual({ version: '2025-06-01', source: 'default', requested: '2025-06-01', path: '/orders' });
  });

  it('uses a configured default version', () => {
    expect(ok(resolver('resolve:\n  default: v2').resolve(input({})))).toMatchObject({ version: '2024-01-01', source: 'default' });
  });

  it('falls back to the closest earlier version for an unknown date', () => {
    expect(ok(r.resolve(input({ headers: { 'api-version': '2024-10-15' } })))).toMatchObject({ version: '2024-09-01', requested: '2024-10-15' });
    expect(ok(r.resolve(input({ headers: { 'api-version': '2030-01-01' } })))).toMatchObject({ version: '2025-06-01' });
    expect(ok(r.resolve(input({ path: '/2024-12-31/orders' })))).toMatchObject({ version: '2024-09-01', path: '/orders' });
  });

  it('accepts aliases case-insensitively', () => {
    expect(ok(r.resolve(input({ headers: { 'api-version': 'V2' } })))).toMatchObject({ version: '2024-01-01' });
  });

  it('rejects a date before the first version as unknown', () => {
    expect(r.resolve(input({ headers: { 'api-version': '2020-01-01' } }))).toEqual({
      ok: false, kind: 'unknown-version', source: 'header', requested: '2020-01-01',
      detail: 'The API-Version header gives "2020-01-01", which is before the first version (2023-06-01). Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.',
    });
  });

  it('rejects an impossible date as malformed', () => {
    expect(r.resolve(input({ headers: { 'api-version': '2024-02-30' } }))).toMatchObject({ ok: false, kind: 'invalid-version', requested: '2024-02-30' });
  });

  it('rejects a value that is not a version token as malformed', () => {
    expect(r.resolve(input({ headers: { 'api-version': 'two thousand' } }))).toMatchObject({ ok: false, kind: 'invalid-version' });
  });

  it('rejects an unknown alias', () => {
    expect(r.resolve(input({ headers: { 'api-version': 'v9' } }))).toMatchObject({ ok: false, kind: 'unknown-version', requested: 'v9' });
    expect(r.resolve(input({ path: '/v9/orders' }))).toMatchObject({ ok: false, kind: 'unknown-version', source: 'path', requested: 'v9' });
  });

  it('rejects two sources that disagree', () => {
    expect(r.resolve(input({ path: '/v2/orders', headers: { 'api-version': '2024-09-01' } }))).toEqual({
      ok: false, kind: 'version-conflict',
      detail: 'The API-Version header asks for 2024-09-01 but the path prefix asks for v2 (2024-01-01); send one version or make them agree.',
    });
  });

  it('accepts two sources that name the same version differently', () => {
    expect(ok(r.resolve(input({ path: '/v3/orders', headers: { 'api-version': '2024-10-15' } })))).toMatchObject({ version: '2024-09-01', source: 'header', path: '/orders' });
  });

  it('reports the first source in the configured order as the source', () => {
    const q = resolver('resolve:\n  order: [query, header, default]');
    expect(ok(q.resolve(input({ query: 'api-version=v3', headers: { 'api-version': '2024-09-01' } })))).toMatchObject({ source: 'query' });
  });

  it('never reads a source left out of the order', () => {
    const h = resolver('resolve:\n  order: [header]');
    expect(h.resolve(input({ path: '/v2/orders' }))).toMatchObject({ ok: false, kind: 'version-required' });
    expect(h.resolve(input({ query: 'api-version=v2' }))).toEqual({
      ok: false, kind: 'version-required',
      detail: 'This API requires a version; send it in the API-Version header. Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.',
    });
  });

  it('reads a custom header name such as Stripe-Version', () => {
    const s = resolver('resolve:\n  header: Stripe-Version');
    expect(ok(s.resolve(input({ headers: { 'stripe-version': 'v2' } })))).toMatchObject({ version: '2024-01-01', source: 'header' });
    expect(s.varyHeaders).toEqual(['Stripe-Version', 'Accept']);
  });

  it('does not take a route segment for a version', () => {
    expect(ok(r.resolve(input({ path: '/orders/v2' })))).toMatchObject({ source: 'default', path: '/orders/v2' });
  });
});

describe('version resolution: the client pin', () => {
  const r = resolver('resolve: { order: [header, path, query, media-type, pin, default] }\n');

  it('gives a request that names no version its client\'s pin', () => {
    expect(ok(r.resolve(input({ pin: '2024-01-01' })))).toEqual({ version: '2024-01-01', source: 'pin', requested: '2024-01-01', path: '/orders' });
  });

  it('lets a version the request carries win over the pin, without a conflict', () => {
    expect(ok(r.resolve(input({ pin: '2024-01-01', headers: { 'api-version': '2025-06-01' } })))).toEqual({ version: '2025-06-01', source: 'header', requested: '2025-06-01', path: '/orders' });
    expect(ok(r.resolve(input({ pin: '2024-01-01', path: '/v3/orders' })))).toEqual({ version: '2024-09-01', source: 'path', requested: 'v3', path: '/orders' });
  });

  it('falls back to the default for a client without a pin, or with a pin to a version no longer configured', () => {
    expect(ok(r.resolve(input({})))).toEqual({ version: '2025-06-01', source: 'default', requested: '2025-06-01', path: '/orders' });
    expect(ok(r.resolve(input({ pin: '2019-01-01' }))).source).toBe('default');
  });

  it('ignores pins when pin is not in the order', () => {
    expect(ok(resolver().resolve(input({ pin: '2024-01-01' }))).source).toBe('default');
  });
});
