import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../gateway/config/load.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { shopConfig, startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

// What a translated body may be (issue 10): an upstream answer nested thousands of levels deep was
// never answered (the stack overflowed inside undici's callback, where the error was swallowed), a
// request body nested 10,000 levels deep got a 500, and an answer of any size was held in memory.
const ORDER = { id: 'ord_1', customer_id: 'cus_1', amount: 2500, currency: 'usd', status: 'paid', created_at: '2025-01-02T13:05:00Z' };
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const LIMIT = 64 * 1024;

describe('translated bodies past the limits', () => {
  let origin: Origin;
  let gw: TestGateway;
  beforeAll(async () => {
    origin = await startOrigin((req, res) => {
      const send = (body: string, headers: Record<string, string> = {}) => {
        res.writeHead(200, { 'content-type': 'application/json', ...headers });
        res.end(body);
      };
      if (req.url === '/orders/ord_deep') return send(JSON.stringify(ORDER).replace(/}$/, `,"metadata":${nested(5000)}}`));
      if (req.url === '/orders/ord_256') return send(JSON.stringify({ ...ORDER, note: JSON.parse(nested(255)) }));
      if (req.url === '/orders/ord_big') return send(JSON.stringify({ ...ORDER, note: 'x'.repeat(LIMIT) }));
      if (req.url === '/orders/ord_big_chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(JSON.stringify({ ...ORDER, note: 'x'.repeat(LIMIT) }).slice(0, LIMIT / 2));
        setTimeout(() => res.end('x'.repeat(LIMIT)), 20);
        return;
      }
      send(JSON.stringify(ORDER));
    });
    const translator = (await loadTranslator(loadConfigFile('gateway.yaml', { env: { DEMO_UPSTREAM_URL: origin.url } })))!;
    gw = await startTestGateway(shopConfig(origin.url, `proxy:\n  translateLimit: ${LIMIT}\n`), { translator });
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  const get = (path: string) => fetch(`${gw.url}${path}`, { headers: { 'api-version': '2024-01-01' }, signal: AbortSignal.timeout(10_000) });

  it('answers 502 for an upstream answer nested deeper than proxy.jsonDepth, and logs it with the upstream', async () => {
    const res = await get('/orders/ord_deep');
    expect(res.status).toBe(502);
    expect((await res.json()).detail).toBe('The upstream "shop" answered with a body that nests arrays and objects deeper than 256 levels (proxy.jsonDepth), so it cannot be given in this API version.');
    expect(gw.logs.find((l) => l.msg === 'upstream answer not translated: its body nests arrays and objects deeper than 256 levels (proxy.jsonDepth)')).toMatchObject({ level: 40, upstream: 'shop' });
  });

  it('translates an answer nested exactly as deep as the limit', async () => {
    const res = await get('/orders/ord_256');
    expect(res.status).toBe(200);
    expect((await res.json()).customer).toBe('cus_1');
  });

  it('answers 502 naming proxy.translateLimit for a declared length over it, and for an undeclared one the moment it crosses it', async () => {
    for (const path of ['/orders/ord_big', '/orders/ord_big_chunked']) {
      const res = await get(path);
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({
        code: 'VERSO_BAD_GATEWAY',
        limit_bytes: LIMIT,
        detail: `The upstream "shop" answered with a body larger than ${LIMIT} bytes, the most this gateway translates (proxy.translateLimit).`,
      });
    }
    expect((await get('/orders/ord_1')).status).toBe(200);
  });

  it('answers 400 invalid-json naming the limit for a request body nested 10,000 levels deep, and sends nothing upstream', async () => {
    const before = origin.requests.length;
    const res = await fetch(`${gw.url}/orders`, {
      method: 'POST',
      headers: { 'api-version': '2024-01-01', 'content-type': 'application/json' },
      body: `{"customer":"cus_1","amount":"1.00","currency":"usd","metadata":${nested(10_000)}}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'VERSO_INVALID_JSON',
      max_depth: 256,
      detail: 'The request body nests arrays and objects deeper than 256 levels, the most this gateway translates (proxy.jsonDepth).',
    });
    expect(origin.requests.length).toBe(before);
  });
});
