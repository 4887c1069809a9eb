import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';
import { rawRequest } from '../helpers/raw-http.js';
import { UUID } from '../helpers/net.js';

// RFC 9110 §7.6.1: Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade and
// every header the Connection header names describe one connection and are never forwarded.
describe('hop-by-hop headers', () => {
  let origin: Origin;
  let rawOrigin: NetServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    origin = await startOrigin((req, res) => {
      res.setHeader('Connection', 'X-Upstream-Hop');
      res.setHeader('X-Upstream-Hop', '1');
      res.setHeader('Keep-Alive', 'timeout=1, max=3');
      res.setHeader('Proxy-Connection', 'keep-alive');
      res.setHeader('Upgrade', 'h2c');
      res.setHeader('X-Custom', 'from-upstream');
      res.setHeader('Content-Type', 'text/plain');
      res.end('hello');
    });
    // An upstream that sends Connection twice, which arrives as a list rather than one string.
    rawOrigin = createNetServer((socket) => {
      socket.once('data', () => {
        socket.end([
          'HTTP/1.1 200 OK',
          'Content-Type: text/plain',
          'Content-Length: 5',
          'Connection: keep-alive',
          'Connection: X-Hop-One, X-Hop-Two',
          'X-Hop-One: 1',
          'X-Hop-Two: 2',
          'X-Custom: kept',
          '', 'hello',
        ].join('\r\n'));
      });
    });
    await new Promise<void>((resolve) => rawOrigin.listen(0, '127.0.0.1', resolve));
    gateway = await startTestGateway(`
versions:
  - { id: "2024-09-01", aliases: [v3] }
  - { id: "2025-06-01", aliases: [v4] }
upstreams:
  shop: { url: ${origin.url} }
  legacy: { url: "http://127.0.0.1:${(rawOrigin.address() as AddressInfo).port}" }
routes:
  - { prefix: /orders, upstream: shop }
  - { prefix: /legacy, upstream: legacy }
`);
  });
  afterAll(async () => {
    await gateway.close();
    await origin.close();
    await new Promise((resolve) => rawOrigin.close(resolve));
  });

  function request(path: string, connection = ['Connection: keep-alive, X-Secret-Hop']) {
    const { host } = new URL(gateway.url);
    return rawRequest(gateway.url, [
      `GET ${path} HTTP/1.1`,
      `Host: ${host}`,
      ...connection,
      'X-Secret-Hop: 1',
      'Keep-Alive: timeout=5',
      'TE: trailers',
      'Upgrade: foo',
      'Proxy-Connection: x',
      'X-Custom: from-client',
      '', '',
    ].join('\r\n'));
  }

  it('forwards none of the client hop-by-hop headers and keeps end-to-end ones', async () => {
    const res = await request('/orders/1');
    expect(res.status).toBe(200);
    const seen = origin.requests.at(-1)!;
    expect(seen.headers).toEqual({
      host: new URL(origin.url).host,
      connection: 'keep-alive', // the gateway's own connection to the upstream
      'x-custom': 'from-client',
      'api-version': '2025-06-01',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': new URL(gateway.url).host,
      'x-request-id': expect.stringMatching(UUID),
    });
  });

  it('forwards none of the headers named by a repeated client Connection header', async () => {
    const res = await request('/orders/2', ['Connection: keep-alive', 'Connection: X-Secret-Hop']);
    expect(res.status).toBe(200);
    const seen = origin.requests.at(-1)!;
    expect(seen.url).toBe('/orders/2');
    expect(Object.keys(seen.headers).sort()).toEqual(['api-version', 'connection', 'host', 'x-custom', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-request-id']);
  });

  it('returns none of the upstream hop-by-hop headers and keeps end-to-end ones', async () => {
    const res = await request('/orders/1');
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello');
    expect(res.headers).toEqual({
      'x-custom': 'from-upstream',
      'content-type': 'text/plain',
      'content-length': '5',
      vary: 'API-Version, Accept',
      'api-version': '2025-06-01',
      date: expect.any(String),
      // The gateway's own connection management with this client, not the upstream's values.
      connection: 'keep-alive',
      'keep-alive': 'timeout=72',
    });
  });

  it('strips every header named by a repeated upstream Connection header', async () => {
    const res = await request('/legacy/1');
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello');
    expect(res.headers).toEqual({
      'x-custom': 'kept',
      'content-type': 'text/plain',
      'content-length': '5',
      vary: 'API-Version, Accept',
      'api-version': '2025-06-01',
      date: expect.any(String),
      connection: 'keep-alive',
      'keep-alive': 'timeout=72',
    });
  });
});
