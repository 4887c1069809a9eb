import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';
import { UUID } from '../helpers/net.js';

const CLIENT_CLAIMS = {
  'X-Forwarded-For': '1.2.3.4',
  Forwarded: 'for=1.2.3.4;proto=https',
  'X-Forwarded-Host': 'evil.example',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Port': '443',
  'X-Real-IP': '1.2.3.4',
};

function config(originUrl: string, trustForwarded: boolean): string {
  return `
versions:
  - { id: "2024-01-01", aliases: [v2] }
  - { id: "2024-09-01", aliases: [v3] }
  - { id: "2025-06-01", aliases: [v4] }
upstreams:
  shop: { url: ${originUrl} }
  legacy: { url: ${originUrl}, speaks: v3 }
routes:
  - { prefix: /orders, upstream: shop }
  - { prefix: /legacy, upstream: legacy }
proxy: { trustForwarded: ${trustForwarded} }
`;
}

describe('forwarding headers', () => {
  let origin: Origin;
  let untrusting: TestGateway;
  let trusting: TestGateway;

  beforeAll(async () => {
    origin = await startOrigin();
    untrusting = await startTestGateway(config(origin.url, false));
    trusting = await startTestGateway(config(origin.url, true));
  });
  afterAll(async () => {
    await Promise.all([untrusting.close(), trusting.close()]);
    await origin.close();
  });

  async function seenBy(url: string, headers: Record<string, string> = {}) {
    const res = await fetch(url, { headers });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    return origin.requests.at(-1)!.headers;
  }

  it('drops client-sent forwarding claims by default and sends its own observations', async () => {
    const headers = await seenBy(`${untrusting.url}/orders/1`, CLIENT_CLAIMS);
    expect(headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': new URL(untrusting.url).host,
    });
    expect(headers.forwarded).toBeUndefined();
    expect(headers['x-real-ip']).toBeUndefined();
    expect(headers['x-forwarded-port']).toBeUndefined();
  });

  it('appends the client address to X-Forwarded-For and keeps the other claims with trustForwarded', async () => {
    const headers = await seenBy(`${trusting.url}/orders/1`, CLIENT_CLAIMS);
    expect(headers).toMatchObject({
      'x-forwarded-for': '1.2.3.4, 127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-port': '443',
      forwarded: 'for=1.2.3.4;proto=https',
      'x-real-ip': '1.2.3.4',
    });
  });

  it('sends its own observations with trustForwarded when the client sent none', async () => {
    const headers = await seenBy(`${trusting.url}/orders/1`);
    expect(headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': new URL(trusting.url).host,
    });
  });

  it('sends the request id it logged as x-request-id', async () => {
    const headers = await seenBy(`${untrusting.url}/orders/7`);
    expect(headers['x-request-id']).toMatch(UUID);
    const line = untrusting.logs.filter((l) => l.msg === 'request' && l.url === '/orders/7').at(-1);
    expect(line?.reqId).toBe(headers['x-request-id']);
  });

  it('passes a client-sent x-request-id through so traces join up', async () => {
    const headers = await seenBy(`${untrusting.url}/orders/8`, { 'X-Request-Id': 'trace-abc-123' });
    expect(headers['x-request-id']).toBe('trace-abc-123');
  });

  it('rewrites the version header to the version the upstream speaks', async () => {
    expect((await seenBy(`${untrusting.url}/orders/1`, { 'API-Version': 'v2' }))['api-version']).toBe('2025-06-01');
    expect((await seenBy(`${untrusting.url}/legacy/1`, { 'API-Version': '2025-06-01' }))['api-version']).toBe('2024-09-01');
  });

  it('adds the version header for a version read from the path, which it strips', async () => {
    const res = await fetch(`${untrusting.url}/v2/legacy/1`);
    expect(res.headers.get('api-version')).toBe('2024-01-01');
    await res.arrayBuffer();
    const seen = origin.requests.at(-1)!;
    expect(seen.url).toBe('/legacy/1');
    expect(seen.headers['api-version']).toBe('2024-09-01');
    expect(seen.rawHeaders.filter((h) => h.toLowerCase() === 'api-version')).toHaveLength(1);
  });
});
