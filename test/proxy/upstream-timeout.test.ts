import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';
import { rawGet } from '../helpers/raw-http.js';
import { UUID } from '../helpers/net.js';

// `timeout` bounds both the wait for response headers and each gap in the response body. undici
// runs these on its coarse timers (about 1 s resolution), so a 200 ms timeout fires within ~1.5 s.
describe('an upstream that does not answer in time', () => {
  let origin: Origin;
  let gateway: TestGateway;

  beforeAll(async () => {
    origin = await startOrigin((req, res) => {
      if (req.url === '/orders/hang') return; // never answers; closed with the origin
      if (req.url === '/orders/stall') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first bytes');
        return; // body never finishes
      }
      res.end('fine');
    });
    gateway = await startTestGateway(`
versions:
  - { id: "2024-09-01", aliases: [v3] }
  - { id: "2025-06-01", aliases: [v4] }
upstreams:
  shop: { url: ${origin.url}, timeout: 200ms }
routes:
  - { prefix: /orders, upstream: shop }
`);
  });
  afterAll(async () => {
    await gateway.close();
    await origin.close();
  });

  it('answers 504 gateway-timeout problem+json when no response headers arrive in time and keeps serving', async () => {
    const started = performance.now();
    const res = await fetch(`${gateway.url}/orders/hang`, { headers: { 'API-Version': 'v3' } });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(504);
    expect(Object.fromEntries(res.headers)).toEqual({
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': expect.any(String),
      'api-version': '2024-09-01',
      vary: 'API-Version, Accept',
      connection: 'keep-alive',
      'keep-alive': 'timeout=72',
      date: expect.any(String),
    });
    expect(await res.json()).toEqual({
      type: 'https://verso.dev/problems/gateway-timeout',
      title: 'Upstream timed out',
      status: 504,
      detail: 'The upstream "shop" did not answer within 200 ms.',
      code: 'VERSO_GATEWAY_TIMEOUT',
      request_id: expect.stringMatching(UUID),
    });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(5000); // ~1.1 s on an idle machine; generous for loaded CI

    const next = await fetch(`${gateway.url}/orders/ok`);
    expect([next.status, await next.text()]).toEqual([200, 'fine']);
  });

  it('aborts the client connection when the body stalls after the headers were sent', async () => {
    // Too late for a 504: the client must see a truncated message, not a clean short body.
    await expect(rawGet(gateway.url, '/orders/stall')).rejects.toThrow(/connection closed before the response was complete/);
    const next = await fetch(`${gateway.url}/orders/ok`);
    expect([next.status, await next.text()]).toEqual([200, 'fine']);
  });
});
