import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/servers.js';

// A burst of slow requests must neither open a socket each to the upstream nor be dropped: they
// wait for one of upstreams.NAME.connections, and past upstreams.NAME.queueLimit get 503 with
// Retry-After (issue 10).
describe('the connection pool to an upstream', () => {
  let upstream: Server;
  let url: string;
  const sockets = new Set<unknown>();
  let peak = 0;
  let open = 0;
  beforeAll(async () => {
    upstream = createServer((_req, res) => {
      open++;
      peak = Math.max(peak, open);
      setTimeout(() => { open--; res.setHeader('content-type', 'application/json'); res.end('{"ok":true}'); }, 100);
    });
    upstream.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  const config = (connections: number, queueLimit: number) => `
versions:
  - id: "2025-06-01"
upstreams:
  shop:
    url: ${url}
    connections: ${connections}
    queueLimit: ${queueLimit}
routes:
  - prefix: /orders
    upstream: shop
`;

  async function burst(gw: TestGateway, n: number) {
    return Promise.all(Array.from({ length: n }, async (_, i) => {
      const res = await fetch(`${gw.url}/orders/${i}`);
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
    }));
  }

  it('queues 300 concurrent slow requests on 8 connections and answers every one', async () => {
    sockets.clear();
    peak = 0;
    const gw = await startTestGateway(config(8, 1000));
    try {
      const answers = await burst(gw, 300);
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(sockets.size).toBeLessThanOrEqual(8);
      expect(peak).toBeLessThanOrEqual(8);
    } finally {
      await gw.close();
    }
  });

  it('answers 503 upstream-busy with Retry-After past the queue limit, and serves the rest', async () => {
    const gw = await startTestGateway(config(2, 5));
    try {
      const answers = await burst(gw, 40);
      const busy = answers.filter((a) => a.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(7);
      expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
      expect(busy[0]).toMatchObject({
        retryAfter: '1',
        body: { code: 'VERSO_UPSTREAM_BUSY', detail: 'The upstream "shop" has 2 connections busy and 5 requests waiting for one (upstreams.shop.queueLimit); retry shortly.' },
      });
    } finally {
      await gw.close();
    }
  });
});
