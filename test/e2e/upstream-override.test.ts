import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

let modern: Origin;
let legacy: Origin;
let gw: TestGateway;

beforeAll(async () => {
  modern = await startOrigin((req, res) => res.end(`modern ${req.url}`));
  legacy = await startOrigin((req, res) => res.end(`legacy ${req.url}`));
  gw = await startTestGateway(`
versions:
  - { id: "2024-01-01", aliases: [v2] }
  - { id: "2024-09-01", aliases: [v3] }
  - { id: "2025-06-01", aliases: [v4] }
upstreams:
  modern: { url: "${modern.url}" }
  legacy: { url: "${legacy.url}/api", speaks: "2024-01-01" }
routes:
  - prefix: /orders
    upstream: modern
    overrides:
      - { versions: [v2], upstream: legacy }
  - prefix: /customers
    upstream: modern
`);
});
afterAll(async () => {
  await gw.close();
  await modern.close();
  await legacy.close();
});

const body = async (path: string, version: string) => (await fetch(`${gw.url}${path}`, { headers: { 'API-Version': version } })).text();

describe('per-version upstream override', () => {
  it('sends the overridden version to the legacy upstream, under its base path', async () => {
    expect(await body('/orders/1', '2024-01-01')).toBe('legacy /api/orders/1');
    expect(legacy.requests.at(-1)!.headers['api-version']).toBe('2024-01-01');
  });

  it('sends newer versions to the route\'s own upstream', async () => {
    expect(await body('/orders/1', '2024-09-01')).toBe('modern /orders/1');
    expect(await body('/orders/1', '2025-06-01')).toBe('modern /orders/1');
    expect(modern.requests.at(-1)!.headers['api-version']).toBe('2025-06-01');
  });

  it('applies overrides per route only', async () => {
    expect(await body('/customers/1', '2024-01-01')).toBe('modern /customers/1');
  });

  it('logs which upstream served the request', async () => {
    await body('/orders/9', 'v2');
    await new Promise((r) => setTimeout(r, 20));
    expect(gw.logs.filter((l) => l.msg === 'request').pop()).toMatchObject({ url: '/orders/9', version: '2024-01-01', upstream: 'legacy' });
  });
});
