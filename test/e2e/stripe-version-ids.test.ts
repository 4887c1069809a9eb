import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

// Stripe writes its versions `2025-03-31.basil`: a date and a name. Both parts must resolve, a
// date between versions must round down by the dates, and the id goes out as configured.
describe('Stripe-style DATE.name version ids', () => {
  let origin: Origin;
  let gw: TestGateway;
  beforeAll(async () => {
    origin = await startOrigin();
    gw = await startTestGateway(`
versions:
  - id: "2024-06-20"
  - id: "2025-03-31.basil"
  - id: "2026-10-28.endive"
resolve:
  order: [header, default]
  header: Stripe-Version
upstreams:
  stripe:
    url: ${origin.url}
    speaks: "2026-10-28.endive"
routes:
  - prefix: /v1
    upstream: stripe
  - prefix: /customers
    upstream: stripe
`);
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  async function versionFor(sent: string | undefined) {
    const before = origin.requests.length;
    const res = await fetch(`${gw.url}/customers`, { headers: sent === undefined ? {} : { 'stripe-version': sent } });
    return { status: res.status, echoed: res.headers.get('api-version'), upstream: origin.requests[before]?.headers['stripe-version'] };
  }

  it('resolves the full id, its date and its name to the same version, and echoes the id as configured', async () => {
    for (const sent of ['2025-03-31.basil', '2025-03-31', 'basil']) {
      expect(await versionFor(sent)).toEqual({ status: 200, echoed: '2025-03-31.basil', upstream: '2026-10-28.endive' });
    }
  });

  it('rounds a date between two versions down by the dates', async () => {
    expect((await versionFor('2025-04-15')).echoed).toBe('2025-03-31.basil');
    expect((await versionFor('2026-12-01')).echoed).toBe('2026-10-28.endive');
    expect((await versionFor('2024-12-31')).echoed).toBe('2024-06-20');
  });

  it('sends the upstream the version it speaks exactly as its id is written, and defaults to the head', async () => {
    expect(await versionFor(undefined)).toEqual({ status: 200, echoed: '2026-10-28.endive', upstream: '2026-10-28.endive' });
  });

  it('refuses an unknown name with the ids it serves', async () => {
    const res = await fetch(`${gw.url}/customers`, { headers: { 'stripe-version': '2025-03-31.acacia' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'VERSO_UNKNOWN_VERSION', supported_versions: ['2024-06-20', '2025-03-31.basil', '2026-10-28.endive'] });
  });

  it('routes a /v1 prefix when versions are not read from the path', async () => {
    const res = await fetch(`${gw.url}/v1/customers`, { headers: { 'stripe-version': 'basil' } });
    expect(res.status).toBe(200);
    expect(origin.requests.at(-1)!.url).toBe('/v1/customers');
  });
});
