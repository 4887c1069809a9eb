import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../gateway/config/load.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { shopConfig, startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

// A translated answer goes through the same exchange as a passthrough one (gateway/proxy/forward.ts):
// its chunks are collected when a change rewrites the body. What the collection must keep, and what
// becomes of an answer that breaks off before it is whole.
const ORDER = { id: 'ord_1', customer_id: 'cus_1', amount: 2500, currency: 'usd', status: 'canceled', created_at: '2025-01-02T13:05:00Z' };

describe('translated exchanges', () => {
  let origin: Origin;
  let gw: TestGateway;
  beforeAll(async () => {
    origin = await startOrigin((req, res) => {
      if (req.url === '/orders/ord_split') {
        // A two-byte character (é) cut between two chunks, each written on its own.
        const bytes = Buffer.from(JSON.stringify({ ...ORDER, id: 'ord_é' }));
        const cut = bytes.indexOf(0xc3) + 1;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
        res.write(bytes.subarray(0, cut));
        setTimeout(() => res.end(bytes.subarray(cut)), 20);
        return;
      }
      if (req.url === '/orders/ord_bad') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])); // `{`, two bytes that are no UTF-8, `}`
        return;
      }
      if (req.url === '/orders/ord_cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write(JSON.stringify(ORDER).slice(0, 40));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.writeHead(200, [['content-type', 'application/json'], ['set-cookie', 'a=1; Path=/'], ['set-cookie', 'b=2; Path=/']].flat());
      res.end(JSON.stringify(ORDER));
    });
    const translator = (await loadTranslator(loadConfigFile('gateway.yaml', { env: { DEMO_UPSTREAM_URL: origin.url } })))!;
    gw = await startTestGateway(shopConfig(origin.url), { translator });
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  it('translates a collected body and keeps several Set-Cookie headers separate', async () => {
    const res = await fetch(`${gw.url}/orders/ord_1`, { headers: { 'api-version': '2024-01-01' } });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.headers.get('api-version')).toBe('2024-01-01');
    const text = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toEqual({ id: 'ord_1', customer: 'cus_1', amount: '25.00', status: 'cancelled', created_at: '2025-01-02T13:05:00Z' });
  });

  it('answers 502 when the upstream breaks off a body it was translating, since nothing has been sent yet', async () => {
    const res = await fetch(`${gw.url}/orders/ord_cut`, { headers: { 'api-version': '2024-01-01' } });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(res.headers.get('api-version')).toBe('2024-01-01');
    const { request_id: _id, ...body } = await res.json() as Record<string, unknown>;
    expect(body).toEqual({
      type: 'https://verso.dev/problems/bad-gateway',
      title: 'Upstream unavailable',
      status: 502,
      detail: 'The upstream "shop" could not be reached (UND_ERR_SOCKET).',
      code: 'VERSO_BAD_GATEWAY',
    });
  });

  it('decodes a character cut between two chunks of a collected body', async () => {
    const res = await fetch(`${gw.url}/orders/ord_split`, { headers: { 'api-version': '2024-01-01' } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text).id).toBe('ord_é');
  });

  it('answers 502 for an answer declared JSON that is not, rather than label it with the client\'s version', async () => {
    const res = await fetch(`${gw.url}/orders/ord_bad`, { headers: { 'api-version': '2024-01-01' } });
    expect(res.status).toBe(502);
    const problem = await res.json();
    expect(problem).toMatchObject({ code: 'VERSO_BAD_GATEWAY', status: 502 });
    expect(problem.detail).toMatch(/^The upstream "shop" answered with a body that was not valid JSON \(.+\), so it cannot be given in this API version\.$/);
    expect(gw.logs.find((l) => String(l.msg).startsWith('upstream answer not translated'))).toMatchObject({ level: 40, upstream: 'shop', status: 200 });
  });
});
