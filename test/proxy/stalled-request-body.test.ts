import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, shopConfig, startTestGateway, type TestGateway } from '../helpers/servers.js';

// A body that stops arriving (issue 10): `Content-Length: 100` and 5 bytes sent was held forever,
// with its upstream connection. listen.bodyTimeout answers 408 and cancels the upstream request.
describe('a request body that stalls', () => {
  let upstream: Server;
  const closed: string[] = [];
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = createServer((req: IncomingMessage, res) => {
      req.on('close', () => { if (!req.complete) closed.push(req.url!); });
      req.resume();
      req.on('end', () => setTimeout(() => { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}'); }, req.url === '/orders/slow' ? 600 : 0));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gw = await startTestGateway(shopConfig(url, 'listen:\n  bodyTimeout: 300ms\n'), {}, {});
  });
  afterAll(async () => {
    await gw.close();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  const raw = (bytes: string, { url = gw.url } = {}) => rawExchange(url, bytes);

  it('answers 408 when no byte of the body arrives for listen.bodyTimeout, closes the connection and cancels the upstream request', async () => {
    const answer = await raw('POST /orders/stall HTTP/1.1\r\nHost: x\r\nAPI-Version: 2025-06-01\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"cus');
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toMatchObject({ status: 408, code: 'VERSO_REQUEST_TIMEOUT', detail: 'No byte of the request body arrived for 0.3 s (listen.bodyTimeout).' });
    for (let i = 0; i < 50 && !closed.includes('/orders/stall'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(closed).toContain('/orders/stall');
  });

  it('does not time out a whole body whose upstream is slower than listen.bodyTimeout', async () => {
    const res = await fetch(`${gw.url}/orders/slow`, { method: 'POST', headers: { 'api-version': '2025-06-01', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers a request Node cannot parse, and headers over the limit, with problems on both listeners', async () => {
    for (const url of [gw.url, gw.adminUrl]) {
      const malformed = await raw('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', { url });
      expect(malformed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\nContent-Type: application\/problem\+json; charset=utf-8\r\n/);
      expect(JSON.parse(malformed.split('\r\n\r\n')[1])).toMatchObject({ status: 400, code: 'VERSO_MALFORMED_REQUEST', type: 'https://verso.dev/problems/malformed-request' });
      const huge = await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, { url });
      expect(huge).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
      expect(JSON.parse(huge.split('\r\n\r\n')[1])).toMatchObject({ status: 431, code: 'VERSO_HEADERS_TOO_LARGE' });
    }
  });

  it('runs on the timeouts the config states', () => {
    const server = gw.gateway.server;
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([60_000, 300_000, 72_000]);
  });
});
