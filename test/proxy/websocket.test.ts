/**
 * WebSocket upgrades (issue 10.13), on raw sockets: the handshake is resolved, checked against the
 * lifecycle and routed like a request; the upstream's 101 comes back with the version's headers,
 * and then bytes flow both ways. A sunset version gets its 410 and a route that refuses upgrades
 * a 400 problem, before any upgrade; usage and the request counter see one 101 per connection.
 */

import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopConfig, startTestGateway, type TestGateway } from '../helpers/servers.js';

/** An upstream that accepts WebSocket handshakes and echoes whatever bytes follow. */
async function echoUpstream(): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((_req, res) => res.end('not an upgrade'));
  server.on('upgrade', (req, socket) => {
    seen.push(req.headers);
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, server };
}

/** Send a handshake; resolve with the response head and the socket, still open. */
function handshake(url: string, path: string, headers: Record<string, string>): Promise<{ head: string; body: string; socket: Socket }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let got = '';
    socket.on('error', reject);
    socket.on('data', function onData(chunk: Buffer) {
      got += chunk.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.removeListener('data', onData);
      const head = got.slice(0, end);
      const rest = got.slice(end + 4);
      if (head.startsWith('HTTP/1.1 101')) return resolve({ head, body: rest, socket });
      socket.on('data', (more: Buffer) => { got += more.toString('latin1'); });
      socket.on('end', () => resolve({ head, body: got.slice(end + 4), socket }));
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`);
  });
}

describe('WebSocket upgrades', () => {
  let upstream: Awaited<ReturnType<typeof echoUpstream>>;
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = await echoUpstream();
    gw = await startTestGateway(`${shopConfig(upstream.url).replace('routes:\n', 'routes:\n  - { prefix: /feed, upstream: shop }\n  - { prefix: /quiet, upstream: shop, websocket: false }\n')}`, { now: () => Date.parse('2026-06-01T00:00:00Z') });
  });
  afterAll(async () => {
    await gw.close();
    await new Promise((r) => upstream.server.close(r));
  });

  it('tunnels the connection after the upstream\'s 101, with the version\'s headers, and the upstream told the version it speaks', async () => {
    const { head, socket } = await handshake(gw.url, '/feed/live?x=1', { 'API-Version': '2024-01-01' });
    try {
      const lines = head.split('\r\n');
      expect(lines[0]).toBe('HTTP/1.1 101 Switching Protocols');
      expect(lines).toContain('sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
      expect(lines).toContain('api-version: 2024-01-01');
      expect(lines.some((l) => l.startsWith('deprecation: @'))).toBe(true);
      const echoed = new Promise<string>((r) => socket.once('data', (c: Buffer) => r(c.toString())));
      socket.write('hello through the tunnel');
      expect(await echoed).toBe('hello through the tunnel');
      expect(upstream.seen.at(-1)).toMatchObject({ 'api-version': '2025-06-01', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
    } finally {
      socket.destroy();
    }
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    expect(metrics).toContain('verso_requests_total{version="2024-01-01",deprecated="true",status_class="1xx"} 1');
    expect(gw.logs.filter((l) => l.msg === 'upgraded')).toEqual([expect.objectContaining({ version: '2024-01-01', client: '127.0.0.1', upstream: 'shop', url: '/feed/live?x=1', status: 101, upgrade: 'websocket' })]);
  });

  it('answers a sunset version 410 before any upgrade, and a route that refuses upgrades 400', async () => {
    const before = upstream.seen.length;
    const sunset = await handshake(gw.url, '/feed/live', { 'API-Version': '2023-06-01' });
    expect(sunset.head.split('\r\n')[0]).toBe('HTTP/1.1 410 Gone');
    expect(JSON.parse(sunset.body)).toMatchObject({ code: 'VERSO_VERSION_SUNSET', status: 410 });
    const refused = await handshake(gw.url, '/quiet/live', {});
    expect(refused.head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'VERSO_UPGRADE_REFUSED', detail: 'The route /quiet does not accept WebSocket upgrades (routes[].websocket is false).' });
    expect(upstream.seen.length).toBe(before);
  });
});
