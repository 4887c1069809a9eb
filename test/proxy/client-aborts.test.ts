import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../gateway/config/load.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { shopConfig, startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

// A client that goes away before its response is whole gets an access line with status 499 (as
// nginx logs it) and a count in verso_requests_aborted_total, on the passthrough and the
// translated path alike, and never an "unexpected gateway error".
const ORDER = { id: 'ord_1', customer_id: 'cus_1', amount: 2500, currency: 'usd', status: 'paid', created_at: '2025-01-02T13:05:00Z' };

describe('clients that go away', () => {
  let origin: Origin;
  let gw: TestGateway;
  beforeAll(async () => {
    origin = await startOrigin((req, res) => {
      if (req.url === '/orders/slow') {
        setTimeout(() => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(ORDER)); }, 300);
        return;
      }
      if (req.url === '/orders/dribble') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write('x'.repeat(1000));
        const timer = setInterval(() => res.write('x'), 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(ORDER));
    });
    const translator = (await loadTranslator(loadConfigFile('gateway.yaml', { env: { DEMO_UPSTREAM_URL: origin.url } })))!;
    gw = await startTestGateway(shopConfig(origin.url), { translator });
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  /** Send `head` (and `body`) on a raw socket and destroy it when `leave` says so. */
  function leave(head: string, when: (socket: net.Socket, done: () => void) => void): Promise<void> {
    const port = Number(new URL(gw.url).port);
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(head);
        when(socket, () => socket.destroy());
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve());
    });
  }

  async function lineFor(url: string) {
    for (let i = 0; i < 100; i++) {
      const line = gw.logs.find((l) => l.msg === 'request' && l.url === url);
      if (line) return line;
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  }

  it('logs and counts as 499 a body cut off mid-way on a translated route, a request left before its answer, and an answer left mid-stream', async () => {
    await leave('POST /orders HTTP/1.1\r\nHost: x\r\nAPI-Version: 2024-01-01\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"cus', (_s, done) => setTimeout(done, 50));
    await leave('GET /orders/slow HTTP/1.1\r\nHost: x\r\nAPI-Version: 2024-01-01\r\n\r\n', (_s, done) => setTimeout(done, 50));
    await leave('GET /orders/dribble HTTP/1.1\r\nHost: x\r\nAPI-Version: 2025-06-01\r\n\r\n', (socket, done) => socket.once('data', done));

    for (const url of ['/orders', '/orders/slow', '/orders/dribble']) {
      expect(await lineFor(url)).toMatchObject({ level: 30, url, status: 499 });
    }
    expect(gw.logs.filter((l) => l.level === 50)).toEqual([]);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^verso_requests_aborted_total 3$/m);
    expect(metrics).toMatch(/^verso_requests_total\{version="2024-01-01",deprecated="true",status_class="4xx"\} 2$/m);
  });

  it('still answers the next request on the translated route', async () => {
    const res = await fetch(`${gw.url}/orders/ord_1`, { headers: { 'api-version': '2024-01-01' } });
    expect(res.status).toBe(200);
    expect((await res.json()).customer).toBe('cus_1');
  });
});
