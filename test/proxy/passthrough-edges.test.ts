import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/servers.js';
import { deferred, within } from '../helpers/net.js';

// The passthrough path writes the upstream's answer straight to the client (gateway/proxy/forward.ts):
// these are the duties a stream pipe used to do for it, and the header shapes it must relay as sent.
describe('passthrough edges', () => {
  let origin: Server;
  let gateway: TestGateway;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;

  beforeAll(async () => {
    origin = createServer((req, res) => handle(req, res));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    gateway = await startTestGateway(`
versions:
  - { id: "2025-06-01", aliases: [v4] }
upstreams:
  shop: { url: "http://127.0.0.1:${(origin.address() as AddressInfo).port}" }
routes:
  - { prefix: /files, upstream: shop }
`);
  });
  afterAll(async () => {
    await gateway.close();
    origin.closeAllConnections();
    await new Promise((resolve) => origin.close(resolve));
  });

  /** A request to the gateway with node:http, so the test decides when (and whether) to read. */
  function send(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer) {
    const { port } = new URL(gateway.url);
    const req = httpRequest({ host: '127.0.0.1', port: Number(port), method, path, headers, agent: false });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    req.end(body);
    return { req, response };
  }

  it('cancels the upstream request when the client goes away mid-response', async () => {
    const upstreamClosed = deferred();
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
      const timer = setInterval(() => res.write('more\n'), 20);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed.resolve();
      });
    };
    const { req, response } = send('GET', '/files/endless');
    const res = await within(2000, response, 'no response headers');
    await within(2000, new Promise((resolve) => res.once('data', resolve)), 'no first chunk');
    req.destroy();
    await within(2000, upstreamClosed.promise, 'the upstream request was still open 2 s after the client left');
  });

  it('stops reading from the upstream while the client does not read (backpressure)', async () => {
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    const settled = deferred();
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      setTimeout(() => settled.resolve(), 500);
    };
    const { response } = send('GET', '/files/huge');
    const res = await within(2000, response, 'no response headers');
    res.pause();
    await settled.promise;
    // Socket buffers on loopback hold a few MB; without backpressure all 64 MB would be gone by now.
    expect(written).toBeLessThan(total / 2);
    let received = 0;
    res.on('data', (c: Buffer) => { received += c.length; });
    res.resume();
    await within(10_000, new Promise((resolve) => res.on('end', resolve)), 'the body did not finish once read');
    expect(received).toBe(total);
  });

  it('relays each Set-Cookie header separately and keeps the status of a 204', async () => {
    handle = (_req, res) => {
      res.writeHead(204, [['set-cookie', 'a=1; Path=/'], ['set-cookie', 'b=2; Path=/'], ['x-trace', 't1']].flat());
      res.end();
    };
    const { response } = send('GET', '/files/cookies');
    const res = await within(2000, response, 'no response');
    expect(res.statusCode).toBe(204);
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.headers['x-trace']).toBe('t1');
    expect(res.headers['api-version']).toBe('2025-06-01');
  });

  it('answers HEAD with the upstream headers and no body', async () => {
    handle = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '11' });
      res.end(req.method === 'HEAD' ? undefined : 'hello world');
    };
    const { response } = send('HEAD', '/files/readme');
    const res = await within(2000, response, 'no response');
    const body: Buffer[] = [];
    res.on('data', (c: Buffer) => body.push(c));
    await new Promise((resolve) => res.on('end', resolve));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('11');
    expect(Buffer.concat(body).length).toBe(0);
  });

  it('forwards a POST sent with Expect: 100-continue, as curl sends bodies over 1 KB', async () => {
    let seen: { body: string; expect: string | undefined } | undefined;
    handle = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { body: Buffer.concat(chunks).toString('utf8'), expect: req.headers.expect };
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    };
    const payload = JSON.stringify({ note: 'x'.repeat(2000) });
    const { port } = new URL(gateway.url);
    const req = httpRequest({ host: '127.0.0.1', port: Number(port), method: 'POST', path: '/files', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), expect: '100-continue' } });
    const response = new Promise<IncomingMessage>((resolve, reject) => { req.on('response', resolve); req.on('error', reject); });
    req.on('continue', () => req.end(payload));
    const res = await within(3000, response, 'no response to a request that expected 100-continue');
    const text = await new Promise<string>((resolve) => { let t = ''; res.on('data', (c: Buffer) => { t += c; }); res.on('end', () => resolve(t)); });
    expect(res.statusCode).toBe(201);
    expect(text).toBe('{"ok":true}');
    // The gateway answered the client's 100-continue itself; the upstream gets a plain request.
    expect(seen).toEqual({ body: payload, expect: undefined });
  });
});
