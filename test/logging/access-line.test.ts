import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../gateway/request-log.js';
import { shopConfig, startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

describe('quote', () => {
  it('gives the same JSON string literal as JSON.stringify for every kind of text', () => {
    for (const text of ['', 'client-00042', '/orders/ord_1?limit=2&x=%22', 'a"b', 'back\\slash', 'tab\there', 'nul\u0000', 'del\u007f', 'café', '日本', 'lone \ud800 surrogate', '\u2028']) {
      expect(quote(text)).toBe(JSON.stringify(text));
    }
  });
});

describe('the access line', () => {
  let origin: Origin;
  let gw: TestGateway;
  beforeAll(async () => {
    origin = await startOrigin();
    gw = await startTestGateway(shopConfig(origin.url, 'clients:\n  - header: X-Client-Id\n  - remoteAddress: true'));
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  it('stays valid JSON with quotes, backslashes and non-ASCII in the client id, request id and URL', async () => {
    const res = await fetch(`${gw.url}/orders/ord_1?q=%22x%22`, {
      headers: { 'API-Version': '2024-09-01', 'X-Client-Id': 'acme "west" \\ é', 'X-Request-Id': 'req "1"' },
    });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const line = gw.logs.filter((l) => l.msg === 'request').pop()!;
    expect(line).toMatchObject({ reqId: 'req "1"', method: 'GET', url: '/orders/ord_1?q=%22x%22', client: 'acme "west" \\ é', version: '2024-09-01', source: 'header', status: 200 });
  });
});
