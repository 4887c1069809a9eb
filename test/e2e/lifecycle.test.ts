import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

const CONFIG = (url: string) => `
versions:
  - id: "2023-06-01"
    aliases: [v1]
    docs: https://shop.example.com/docs/2023-06-01
    deprecated: "2024-06-01"
    sunset: "2025-12-31"
    successor: "2025-06-01"
  - id: "2024-01-01"
    aliases: [v2]
    docs: https://shop.example.com/docs/2024-01-01
    deprecationLink: https://shop.example.com/changelog#2024-01-01
    deprecated: "2025-06-01"
    sunset: "2027-01-31"
    successor: "2025-06-01"
    brownouts:
      - { start: "2027-01-15T14:00:00Z", end: "2027-01-15T16:00:00Z" }
      - { start: "2027-01-20T14:00:00Z", end: "2027-01-20T16:00:00Z", percentage: 50 }
  - id: "2024-09-01"
    aliases: [v3]
  - id: "2025-06-01"
    aliases: [v4]
    docs: https://shop.example.com/docs/2025-06-01
upstreams:
  shop: { url: "${url}" }
routes:
  - { prefix: /orders, upstream: shop }
`;

const DEPRECATED_2024 = {
  'api-version': '2024-01-01',
  deprecation: '@1748736000',
  sunset: 'Sun, 31 Jan 2027 00:00:00 GMT',
  link: '<https://shop.example.com/changelog#2024-01-01>; rel="deprecation"; type="text/html", '
    + '<https://shop.example.com/changelog#2024-01-01>; rel="sunset"; type="text/html", '
    + '<https://shop.example.com/docs/2025-06-01>; rel="successor-version"',
};

let origin: Origin;
let clock = Date.parse('2026-11-28T12:00:00Z');
let dice = 0.99;
let gw: TestGateway;

beforeAll(async () => {
  origin = await startOrigin();
  gw = await startTestGateway(CONFIG(origin.url), { now: () => clock, random: () => dice });
});
afterAll(async () => {
  await gw.close();
  await origin.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}${path}`, { headers });
  const text = await res.text();
  const pick = (names: string[]) => Object.fromEntries(names.map((n) => [n, res.headers.get(n)]));
  return { status: res.status, headers: res.headers, pick, text, json: () => JSON.parse(text) };
}

describe('deprecation signalling', () => {
  it('adds Deprecation, Sunset and Link with exact values to a deprecated version\'s responses', async () => {
    clock = Date.parse('2026-11-28T12:00:00Z');
    const res = await get('/orders', { 'API-Version': '2024-01-01' });
    expect(res.status).toBe(200);
    expect(res.pick(['api-version', 'deprecation', 'sunset', 'link'])).toEqual(DEPRECATED_2024);
  });

  it('adds no lifecycle headers to an active version', async () => {
    const res = await get('/orders', { 'API-Version': '2024-09-01' });
    expect(res.pick(['api-version', 'deprecation', 'sunset', 'link'])).toEqual({ 'api-version': '2024-09-01', deprecation: null, sunset: null, link: null });
  });

  it('overrides lifecycle headers an upstream sent with the gateway\'s own', async () => {
    const upstreamSays = await startOrigin((_req, res) => {
      res.setHeader('deprecation', '@1');
      res.setHeader('api-version', 'upstream-thinks');
      res.end('{}');
    });
    const other = await startTestGateway(CONFIG(upstreamSays.url), { now: () => Date.parse('2026-11-28T12:00:00Z') });
    try {
      const res = await fetch(`${other.url}/orders`, { headers: { 'API-Version': 'v2' } });
      expect(res.headers.get('deprecation')).toBe('@1748736000');
      expect(res.headers.get('api-version')).toBe('2024-01-01');
    } finally {
      await other.close();
      await upstreamSays.close();
    }
  });
});

describe('after sunset', () => {
  it('answers 410 naming the successor without contacting the upstream', async () => {
    clock = Date.parse('2026-11-28T12:00:00Z');
    const before = origin.requests.length;
    const res = await get('/v1/orders');
    expect(res.status).toBe(410);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(res.pick(['api-version', 'deprecation', 'sunset'])).toEqual({ 'api-version': '2023-06-01', deprecation: '@1717200000', sunset: 'Wed, 31 Dec 2025 00:00:00 GMT' });
    const { request_id: _, ...body } = res.json();
    expect(body).toEqual({
      type: 'https://verso.dev/problems/version-sunset',
      title: 'API version sunset',
      status: 410,
      code: 'VERSO_VERSION_SUNSET',
      detail: '2023-06-01 was sunset on Wed, 31 Dec 2025 00:00:00 GMT and is no longer served. Migrate to 2025-06-01.',
      version: '2023-06-01',
      sunset: '2025-12-31T00:00:00.000Z',
      successor_version: '2025-06-01',
    });
    expect(origin.requests.length).toBe(before);
  });

  it('serves the same version the moment before its sunset', async () => {
    clock = Date.parse('2027-01-30T23:59:59Z');
    expect((await get('/v2/orders')).status).toBe(200);
    clock = Date.parse('2027-01-31T00:00:00Z');
    expect((await get('/v2/orders')).status).toBe(410);
  });
});

describe('brownouts', () => {
  it('answers 410 with a distinct brownout type inside a full window', async () => {
    clock = Date.parse('2027-01-15T15:00:00Z');
    const before = origin.requests.length;
    const res = await get('/orders', { 'API-Version': '2024-01-01' });
    expect(res.status).toBe(410);
    expect(res.pick(['api-version', 'deprecation', 'sunset', 'link'])).toEqual(DEPRECATED_2024);
    const { request_id: _, ...body } = res.json();
    expect(body).toEqual({
      type: 'https://verso.dev/problems/version-brownout',
      title: 'API version in a scheduled brownout',
      status: 410,
      code: 'VERSO_VERSION_BROWNOUT',
      detail: '2024-01-01 is in a scheduled brownout until 2027-01-15T16:00:00.000Z, a rehearsal of its sunset on 2027-01-31T00:00:00.000Z. Migrate to 2025-06-01.',
      version: '2024-01-01',
      sunset: '2027-01-31T00:00:00.000Z',
      successor_version: '2025-06-01',
      brownout_until: '2027-01-15T16:00:00.000Z',
    });
    expect(origin.requests.length).toBe(before);
  });

  it('serves normally once the window ends', async () => {
    clock = Date.parse('2027-01-15T16:00:00Z');
    expect((await get('/orders', { 'API-Version': '2024-01-01' })).status).toBe(200);
  });

  it('refuses only the configured share inside a partial window', async () => {
    clock = Date.parse('2027-01-20T15:00:00Z');
    dice = 0.49;
    expect((await get('/v2/orders')).status).toBe(410);
    dice = 0.5;
    expect((await get('/v2/orders')).status).toBe(200);
  });

  it('leaves other versions alone during a brownout', async () => {
    clock = Date.parse('2027-01-15T15:00:00Z');
    expect((await get('/v3/orders')).status).toBe(200);
  });
});
