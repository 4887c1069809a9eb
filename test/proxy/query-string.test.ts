import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopConfig, startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';
import { rawGet } from '../helpers/raw-http.js';

// The query is forwarded byte for byte, exactly the query the version resolver read. Regressions:
// reply-from used to see the query inside the URL, decode it and refuse `../` or a bad escape in
// it as an invalid path; and with no query it re-attached the raw request's, after a fragment.
describe('query strings', () => {
  let origin: Origin;
  let gateway: TestGateway;

  beforeAll(async () => {
    origin = await startOrigin();
    gateway = await startTestGateway(shopConfig(origin.url));
  });
  afterAll(async () => {
    await gateway.close();
    await origin.close();
  });

  async function reached(target: string): Promise<{ status: number; url: string | undefined; version: unknown }> {
    const before = origin.requests.length;
    const res = await rawGet(gateway.url, target);
    return { status: res.status, url: origin.requests[before]?.url, version: res.headers['api-version'] };
  }

  it.each([
    '/orders?next=../admin',
    '/orders?next=%2F..%2Fadmin',
    '/orders?q=100%',
    '/orders?q=%ff%fe',
    '/orders?a=1&a=2&b=&c',
    '/orders?q=%7e+x%20y',
  ])('forwards %s with its query untouched', async (target) => {
    expect(await reached(target)).toEqual({ status: 200, url: target, version: '2025-06-01' });
  });

  it('forwards the version query parameter it resolved from', async () => {
    expect(await reached('/orders/1?api-version=v2&x=1')).toEqual({ status: 200, url: '/orders/1?api-version=v2&x=1', version: '2024-01-01' });
  });

  it('drops a fragment and whatever follows it, as the resolver does', async () => {
    // Fragments are never sent by browsers; a raw client that sends one must not get a query past
    // the resolver: here the resolver saw no api-version, so neither may the upstream.
    expect(await reached('/orders#x?api-version=v1')).toEqual({ status: 200, url: '/orders', version: '2025-06-01' });
    expect(await reached('/orders?a=1#frag')).toEqual({ status: 200, url: '/orders?a=1', version: '2025-06-01' });
  });
});
