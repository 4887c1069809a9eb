import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/servers.js';
import { openRaw } from '../helpers/raw-http.js';
import { deferred, within } from '../helpers/net.js';

// Passthrough requests are streamed, not buffered (DESIGN.md, "One request"). Each test holds one
// side back until the other has provably seen the first part: a buffering gateway would deadlock,
// which `within` turns into a clear failure instead of a test timeout.
describe('streaming passthrough', () => {
  let origin: Server;
  let gateway: TestGateway;
  /** Set per test: what the origin does with a request. */
  let handle: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;

  beforeAll(async () => {
    origin = createServer((req, res) => handle(req, res));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    gateway = await startTestGateway(`
versions:
  - { id: "2025-06-01", aliases: [v4] }
upstreams:
  shop: { url: "http://127.0.0.1:${(origin.address() as AddressInfo).port}" }
routes:
  - { prefix: /events, upstream: shop }
  - { prefix: /uploads, upstream: shop }
`);
  });
  afterAll(async () => {
    await gateway.close();
    origin.closeAllConnections();
    await new Promise((resolve) => origin.close(resolve));
  });

  it('delivers the first response chunk to the client while the origin still holds the rest', async () => {
    const release = deferred();
    const finished = deferred<boolean>();
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      void release.promise.then(() => {
        res.end('data: last\n\n');
        finished.resolve(true);
      });
    };
    const res = await within(3000, fetch(`${gateway.url}/events`), 'response headers did not arrive while the origin held the body');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const reader = res.body!.getReader();
    const first = await within(3000, reader.read(), 'the first chunk was held back: the response is buffered');
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');

    release.resolve();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: last\n\n');
    expect(await finished.promise).toBe(true);
  });

  it.each([
    ['chunked', 'Transfer-Encoding: chunked', (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`, '0\r\n\r\n'],
    ['Content-Length', 'Content-Length: 12', (s: string) => s, ''],
  ])('hands the origin the first %s request bytes before the client has sent the rest', async (_kind, framing, frame, end) => {
    const firstSeen = deferred<string>();
    handle = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        chunks.push(c);
        firstSeen.resolve(Buffer.concat(chunks).toString());
      });
      req.on('end', () => res.end(`got ${Buffer.concat(chunks).toString()}`));
    };
    const { host } = new URL(gateway.url);
    const exchange = openRaw(gateway.url, `POST /uploads HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Type: application/octet-stream\r\n${framing}\r\n\r\n${frame('part-1')}`);
    try {
      expect(await within(3000, firstSeen.promise, 'the origin saw nothing before the client finished: the request is buffered')).toBe('part-1');
      await exchange.write(`${frame('part-2')}${end}`);
      const res = await within(3000, exchange.response, 'no response after the body was complete');
      expect(res.status).toBe(200);
      expect(res.text).toBe('got part-1part-2');
    } finally {
      exchange.close();
    }
  });
});
