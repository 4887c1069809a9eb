import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopConfig, startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

const SUPPORTED = ['2023-06-01', '2024-01-01', '2024-09-01', '2025-06-01'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let origin: Origin;
let gw: TestGateway;

beforeAll(async () => {
  origin = await startOrigin();
  gw = await startTestGateway(shopConfig(origin.url, 'resolve:\n  mediaType: { vendor: shop, unknownVendor: reject }'));
});
afterAll(async () => {
  await gw.close();
  await origin.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** The request the origin saw last. */
const lastSeen = () => origin.requests[origin.requests.length - 1];

describe('each resolution source, end to end', () => {
  it('resolves the API-Version header and echoes the version', async () => {
    const res = await get('/orders', { 'API-Version': '2024-09-01' });
    expect(res.status).toBe(200);
    expect(res.headers.get('api-version')).toBe('2024-09-01');
    expect(res.headers.get('vary')).toBe('API-Version, Accept');
    expect(lastSeen().url).toBe('/orders');
  });

  it('resolves a dated path prefix and strips it before the upstream', async () => {
    const res = await get('/2024-09-01/orders/ord_1?limit=2');
    expect(res.headers.get('api-version')).toBe('2024-09-01');
    expect(lastSeen().url).toBe('/orders/ord_1?limit=2');
  });

  it('resolves an alias path prefix and strips it before the upstream', async () => {
    const res = await get('/v3/customers/cus_1');
    expect(res.headers.get('api-version')).toBe('2024-09-01');
    expect(lastSeen().url).toBe('/customers/cus_1');
  });

  it('resolves the api-version query parameter', async () => {
    const res = await get('/orders?api-version=v3&limit=1');
    expect(res.headers.get('api-version')).toBe('2024-09-01');
    expect(lastSeen().url).toBe('/orders?api-version=v3&limit=1');
  });

  it('resolves an Accept version parameter', async () => {
    const res = await get('/orders', { Accept: 'application/json; version=2024-09-01' });
    expect(res.headers.get('api-version')).toBe('2024-09-01');
  });

  it('resolves a vendor media type', async () => {
    const res = await get('/orders', { Accept: 'application/vnd.shop.v3+json' });
    expect(res.headers.get('api-version')).toBe('2024-09-01');
  });

  it('uses the default version when none is named', async () => {
    const res = await get('/orders');
    expect(res.headers.get('api-version')).toBe('2025-06-01');
  });

  it('echoes the version that matched, not the date that was asked for', async () => {
    const res = await get('/orders', { 'API-Version': '2024-10-15' });
    expect(res.status).toBe(200);
    expect(res.headers.get('api-version')).toBe('2024-09-01');
  });

  it('tells the upstream the version it speaks, not the client\'s', async () => {
    await get('/orders', { 'API-Version': '2024-09-01' });
    expect(lastSeen().headers['api-version']).toBe('2025-06-01');
  });

  it('logs the resolved version, its source and the client on the request line', async () => {
    await get('/v3/orders', { 'X-Client-Id': 'acme' });
    await new Promise((r) => setTimeout(r, 20));
    const line = gw.logs.filter((l) => l.msg === 'request').pop()!;
    expect(line).toMatchObject({ level: 30, method: 'GET', url: '/v3/orders', version: '2024-09-01', source: 'path', upstream: 'shop', status: 200 });
    expect(line.client).toBe('127.0.0.1');
    expect(line.reqId).toMatch(UUID);
    expect(typeof line.duration_ms).toBe('number');
  });
});

describe('precedence and conflicts', () => {
  it('accepts agreeing sources and reports the first in order', async () => {
    const res = await get('/v3/orders', { 'API-Version': '2024-09-01' });
    expect(res.status).toBe(200);
    expect(res.headers.get('api-version')).toBe('2024-09-01');
    await new Promise((r) => setTimeout(r, 20));
    expect(gw.logs.filter((l) => l.msg === 'request').pop()).toMatchObject({ source: 'header' });
  });

  it('rejects a header and a path prefix that disagree with 400', async () => {
    const before = origin.requests.length;
    const res = await get('/v2/orders', { 'API-Version': '2024-09-01' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(res.headers.get('vary')).toBe('API-Version, Accept');
    const { request_id, ...body } = res.json();
    expect(request_id).toMatch(UUID);
    expect(body).toEqual({
      type: 'https://verso.dev/problems/version-conflict',
      title: 'Conflicting API versions',
      status: 400,
      code: 'VERSO_VERSION_CONFLICT',
      detail: 'The API-Version header asks for 2024-09-01 but the path prefix asks for v2 (2024-01-01); send one version or make them agree.',
      supported_versions: SUPPORTED,
    });
    expect(origin.requests.length).toBe(before);
  });

  it('rejects a query parameter and a media type that disagree', async () => {
    const res = await get('/orders?api-version=v4', { Accept: 'application/vnd.shop.v3+json' });
    expect(res.status).toBe(400);
    expect(res.json().code).toBe('VERSO_VERSION_CONFLICT');
  });
});

describe('400 problems list the supported versions', () => {
  const cases: [string, string, Record<string, string>, Record<string, unknown>][] = [
    ['a date before the first version', '/orders', { 'API-Version': '2022-01-01' }, {
      type: 'https://verso.dev/problems/unknown-version', title: 'Unknown API version', code: 'VERSO_UNKNOWN_VERSION', requested_version: '2022-01-01',
      detail: 'The API-Version header gives "2022-01-01", which is before the first version (2023-06-01). Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.',
    }],
    ['a malformed value', '/orders', { 'API-Version': '2024-13-01' }, {
      type: 'https://verso.dev/problems/invalid-version', title: 'Malformed API version', code: 'VERSO_INVALID_VERSION', requested_version: '2024-13-01',
      detail: 'The API-Version header gives "2024-13-01", which is not a version id, alias or valid date. Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.',
    }],
    ['an unknown alias in the header', '/orders', { 'API-Version': 'v7' }, {
      type: 'https://verso.dev/problems/unknown-version', title: 'Unknown API version', code: 'VERSO_UNKNOWN_VERSION', requested_version: 'v7',
      detail: 'The API-Version header gives "v7", which is not a known version or alias. Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.',
    }],
    ['an unknown alias in the path', '/v7/orders', {}, {
      type: 'https://verso.dev/problems/unknown-version', title: 'Unknown API version', code: 'VERSO_UNKNOWN_VERSION', requested_version: 'v7',
      detail: 'The path prefix gives "v7", which is not a known version or alias. Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.',
    }],
    ['an unknown vendor version', '/orders', { Accept: 'application/vnd.shop.v9+json' }, {
      type: 'https://verso.dev/problems/unknown-version', title: 'Unknown API version', code: 'VERSO_UNKNOWN_VERSION', requested_version: 'v9',
      detail: 'The Accept media type gives "v9", which is not a known version or alias. Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.',
    }],
  ];

  for (const [name, path, headers, expected] of cases) {
    it(`answers 400 for ${name} without contacting the upstream`, async () => {
      const before = origin.requests.length;
      const res = await get(path, headers);
      expect(res.status).toBe(400);
      const { request_id, ...body } = res.json();
      expect(request_id).toMatch(UUID);
      expect(body).toEqual({ status: 400, supported_versions: SUPPORTED, ...expected });
      expect(origin.requests.length).toBe(before);
    });
  }

  it('answers 400 version-required when the order has no default and nothing names a version', async () => {
    const strict = await startTestGateway(shopConfig(origin.url, 'resolve:\n  order: [header, path]'));
    try {
      const res = await fetch(`${strict.url}/orders`);
      expect(res.status).toBe(400);
      const { request_id: _, ...body } = await res.json();
      expect(body).toEqual({
        type: 'https://verso.dev/problems/version-required',
        title: 'API version required',
        status: 400,
        code: 'VERSO_VERSION_REQUIRED',
        detail: 'This API requires a version; send it in the API-Version header or the path prefix. Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.',
        supported_versions: SUPPORTED,
      });
    } finally {
      await strict.close();
    }
  });

  it('answers 404 problem+json for a path no route serves', async () => {
    const res = await get('/v3/admin');
    expect(res.status).toBe(404);
    expect(res.headers.get('api-version')).toBe('2024-09-01');
    const { request_id: _, ...body } = res.json();
    expect(body).toEqual({ type: 'https://verso.dev/problems/not-found', title: 'No route for this path', status: 404, code: 'VERSO_NOT_FOUND', detail: 'No route serves /admin.' });
  });
});

describe('a custom header name', () => {
  it('resolves Stripe-Version and varies on it', async () => {
    const stripe = await startTestGateway(shopConfig(origin.url, 'resolve:\n  header: Stripe-Version\n  responseHeader: Stripe-Version\n  order: [header, default]'));
    try {
      const res = await fetch(`${stripe.url}/orders`, { headers: { 'Stripe-Version': 'v2' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('stripe-version')).toBe('2024-01-01');
      expect(res.headers.get('vary')).toBe('Stripe-Version');
      expect(lastSeen().headers['stripe-version']).toBe('2025-06-01');
    } finally {
      await stripe.close();
    }
  });
});

describe('a vendor media type that names no version (resolve.mediaType.unknownVendor: ignore)', () => {
  it('serves the version another source names and logs what it ignored at debug', async () => {
    const quiet = await startTestGateway(shopConfig(origin.url, 'resolve:\n  mediaType: { vendor: shop }\nlog:\n  level: debug'));
    try {
      const res = await fetch(`${quiet.url}/orders`, { headers: { accept: 'application/vnd.shop.v9+json', 'api-version': '2024-09-01' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('api-version')).toBe('2024-09-01');
      await res.arrayBuffer();
      expect(quiet.logs.filter((l) => l.ignored_vendor_version !== undefined)).toEqual([expect.objectContaining({
        level: 20,
        ignored_vendor_version: 'v9',
        msg: 'the Accept header\'s vendor media type names no configured version; ignored (resolve.mediaType.unknownVendor: ignore)',
      })]);
    } finally {
      await quiet.close();
    }
  });
});
