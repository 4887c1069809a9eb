import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, shopConfig, type Origin, type TestGateway } from '../helpers/servers.js';

const TOKEN = 'a-long-admin-token-0123456789';

describe('the admin token', () => {
  let origin: Origin;
  let gw: TestGateway;

  beforeAll(async () => {
    origin = await startOrigin();
    gw = await startTestGateway(shopConfig(origin.url), {}, { adminToken: TOKEN });
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  it('refuses usage data, pins and metrics without the bearer token, with a problem and WWW-Authenticate', async () => {
    for (const path of ['/usage', '/usage/deprecated', '/pins', '/metrics']) {
      const res = await fetch(`${gw.adminUrl}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="verso-admin"');
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      const body = await res.json() as Record<string, unknown>;
      expect(body).toMatchObject({ code: 'VERSO_ADMIN_UNAUTHORIZED', status: 401, title: 'Admin token required', detail: 'This admin route needs the admin token: send Authorization: Bearer <admin.token>.' });
    }
  });

  it('refuses a wrong token', async () => {
    const res = await fetch(`${gw.adminUrl}/usage`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toBe('The bearer token does not match admin.token.');
  });

  it('answers with the right token, whatever the case of the scheme', async () => {
    for (const scheme of ['Bearer', 'bearer']) {
      const res = await fetch(`${gw.adminUrl}/usage`, { headers: { authorization: `${scheme} ${TOKEN}` } });
      expect(res.status).toBe(200);
    }
  });

  it('leaves the health probes and the dashboard page open: they hold no usage data', async () => {
    expect((await fetch(`${gw.adminUrl}/health/live`)).status).toBe(200);
    expect((await fetch(`${gw.adminUrl}/dashboard`)).status).toBe(200);
  });
});
