import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, shopConfig, startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

// Node keeps the first of two Host or Authorization lines and joins two X-Client-Id lines with
// ", ": a request carrying a header it may only carry once is refused, not read one way here and
// perhaps another way upstream (RFC 9112 §3.2 for Host).
describe('headers a request may carry once', () => {
  let origin: Origin;
  let gw: TestGateway;
  beforeAll(async () => {
    origin = await startOrigin();
    gw = await startTestGateway(shopConfig(origin.url, 'clients:\n  - header: X-Client-Id\n  - remoteAddress: true\n'));
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  const raw = (head: string) => rawExchange(gw.url, `${head}\r\n`);


  for (const [name, lines] of [
    ['Host', 'Host: a.example\r\nHost: b.example\r\n'],
    ['Authorization', 'Host: a\r\nAuthorization: Bearer one\r\nauthorization: Bearer two\r\n'],
    ['X-Client-Id', 'Host: a\r\nX-Client-Id: acme\r\nX-Client-Id: globex\r\n'],
    ['API-Version', 'Host: a\r\nAPI-Version: 2024-01-01\r\nApi-Version: 2024-01-01\r\n'],
  ] as const) {
    it(`answers 400 for two ${name} lines and contacts no upstream`, async () => {
      const before = origin.requests.length;
      const answer = await raw(`GET /orders HTTP/1.1\r\n${lines}`);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(head.toLowerCase()).toContain('connection: close');
      expect(JSON.parse(body)).toMatchObject({
        code: 'VERSO_MALFORMED_REQUEST',
        detail: `The ${name.toLowerCase()} header appears more than once; it must appear once (RFC 9110 §5.3, RFC 9112 §3.2).`,
      });
      expect(origin.requests.length).toBe(before);
    });
  }

  it('passes a request with each of them once', async () => {
    const answer = await raw('GET /orders HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer one\r\nX-Client-Id: acme\r\nAPI-Version: 2024-01-01\r\nConnection: close\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
});
