import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopConfig, startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';
import { rawGet } from '../helpers/raw-http.js';
import { UUID } from '../helpers/net.js';

// The origin drops the connection: before answering, or halfway through a body it promised.
describe('an upstream that resets the connection', () => {
  let origin: Origin;
  let gateway: TestGateway;

  beforeAll(async () => {
    origin = await startOrigin((req, res) => {
      if (req.url === '/orders/reset') return req.socket.destroy();
      if (req.url === '/orders/half') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
        res.write('0123456789');
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      if (req.url === '/orders/half-chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('0123456789');
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      res.end('fine');
    });
    gateway = await startTestGateway(shopConfig(origin.url));
  });
  afterAll(async () => {
    await gateway.close();
    await origin.close();
  });

  it('answers 502 problem+json when the upstream destroys the socket before answering', async () => {
    const res = await fetch(`${gateway.url}/orders/reset`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(res.headers.get('api-version')).toBe('2025-06-01');
    expect(await res.json()).toEqual({
      type: 'https://verso.dev/problems/bad-gateway',
      title: 'Upstream unavailable',
      status: 502,
      detail: 'The upstream "shop" could not be reached (UND_ERR_SOCKET).',
      code: 'VERSO_BAD_GATEWAY',
      request_id: expect.stringMatching(UUID),
    });
    const next = await fetch(`${gateway.url}/orders/ok`);
    expect([next.status, await next.text()]).toEqual([200, 'fine']);
  });

  it('aborts the client connection when a Content-Length body is cut short, never ending it cleanly', async () => {
    // 200 and the first bytes were already sent: a problem document is no longer possible, so the
    // only honest signal is an incomplete message (RFC 9112 §6.3: the client sees it as truncated).
    await expect(rawGet(gateway.url, '/orders/half')).rejects.toThrow('connection closed before the response was complete (10 body bytes)');
    const next = await fetch(`${gateway.url}/orders/ok`);
    expect([next.status, await next.text()]).toEqual([200, 'fine']);
  });

  it('aborts the client connection when a chunked body is cut short, without the last-chunk marker', async () => {
    // "a\r\n0123456789\r\n" = 15 bytes of chunked framing, then no "0\r\n\r\n".
    await expect(rawGet(gateway.url, '/orders/half-chunked')).rejects.toThrow('connection closed before the response was complete (15 body bytes)');
    await expect(fetch(`${gateway.url}/orders/half-chunked`).then((r) => r.text())).rejects.toThrow();
  });
});
