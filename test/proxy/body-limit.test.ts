import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/servers.js';
import { rawRequest } from '../helpers/raw-http.js';
import { UUID } from '../helpers/net.js';

/** Every byte value, repeated: a body that any text decoding along the way would corrupt. */
function binary(length: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length }, (_, i) => (i * 7) % 256);
}

function chunked(body: Uint8Array, size: number): Buffer {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

// proxy.bodyLimit: 1kb = 1024 bytes. The origin answers with a digest of the exact bytes it got.
describe('proxy.bodyLimit', () => {
  let origin: Server;
  let originUrl: string;
  const seen: { url: string; complete: boolean }[] = [];
  let gateway: TestGateway;

  beforeAll(async () => {
    origin = createServer((req, res) => {
      const entry = { url: req.url!, complete: false };
      seen.push(entry);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        entry.complete = true;
        const body = Buffer.concat(chunks);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ length: body.length, sha256: createHash('sha256').update(body).digest('hex') }));
      });
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    gateway = await startTestGateway(`
versions:
  - { id: "2024-09-01", aliases: [v3] }
  - { id: "2025-06-01", aliases: [v4] }
upstreams:
  shop: { url: ${originUrl} }
routes:
  - { prefix: /orders, upstream: shop }
proxy: { bodyLimit: 1kb }
`);
  });
  afterAll(async () => {
    await gateway.close();
    origin.closeAllConnections();
    await new Promise((resolve) => origin.close(resolve));
  });

  it('answers 413 for a declared Content-Length over the limit without contacting the upstream', async () => {
    seen.length = 0;
    const res = await fetch(`${gateway.url}/orders`, { method: 'POST', body: binary(1025), headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(413);
    expect(Object.fromEntries(res.headers)).toEqual({
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': expect.any(String),
      'api-version': '2025-06-01',
      vary: 'API-Version, Accept',
      // The refused body is not read and discarded: the connection is closed instead.
      connection: 'close',
      date: expect.any(String),
    });
    expect(await res.json()).toEqual({
      type: 'https://verso.dev/problems/body-too-large',
      title: 'Request body too large',
      status: 413,
      detail: 'The request body is larger than the limit of 1024 bytes.',
      code: 'VERSO_BODY_TOO_LARGE',
      limit_bytes: 1024,
      request_id: expect.stringMatching(UUID),
    });
    expect(seen).toEqual([]);
  });

  it('answers the same 413 for a chunked body once it crosses the limit, and the upstream never gets a complete request', async () => {
    seen.length = 0;
    const { host } = new URL(gateway.url);
    const res = await rawRequest(gateway.url, Buffer.concat([
      Buffer.from(`POST /v3/orders HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n`),
      chunked(binary(1200), 300),
    ]));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['api-version']).toBe('2024-09-01');
    expect(JSON.parse(res.text)).toEqual({
      type: 'https://verso.dev/problems/body-too-large',
      title: 'Request body too large',
      status: 413,
      detail: 'The request body is larger than the limit of 1024 bytes.',
      code: 'VERSO_BODY_TOO_LARGE',
      limit_bytes: 1024,
      request_id: expect.stringMatching(UUID),
    });
    // The upstream request may have started (the body streams), but it was aborted, never finished.
    expect(seen.filter((s) => s.complete)).toEqual([]);
  });

  it('streams a Content-Length body of exactly the limit through byte-exact', async () => {
    const body = binary(1024);
    const res = await fetch(`${gateway.url}/orders`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ length: 1024, sha256: createHash('sha256').update(body).digest('hex') });
  });

  it('streams a chunked body of exactly the limit through byte-exact', async () => {
    const body = binary(1024);
    const { host } = new URL(gateway.url);
    const res = await rawRequest(gateway.url, Buffer.concat([
      Buffer.from(`PUT /orders/1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n`),
      chunked(body, 100),
    ]));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ length: 1024, sha256: createHash('sha256').update(body).digest('hex') });
  });

  it('streams a body without a Content-Type byte-exact (nothing parses it)', async () => {
    const body = binary(700);
    const { host } = new URL(gateway.url);
    const res = await rawRequest(gateway.url, Buffer.concat([
      Buffer.from(`PATCH /orders/1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Length: 700\r\n\r\n`),
      body,
    ]));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ length: 700, sha256: createHash('sha256').update(body).digest('hex') });
  });

  it('keeps serving after refusing bodies', async () => {
    const res = await fetch(`${gateway.url}/orders`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect((await res.json()).length).toBe(7);
  });
});
