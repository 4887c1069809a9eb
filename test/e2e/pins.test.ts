import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, shopConfig, type Origin, type TestGateway } from '../helpers/servers.js';

const PINNING = `resolve:
  order: [header, path, query, media-type, pin, default]
clients:
  - header: X-Client-Id
  - remoteAddress: true
pins: { refresh: 50ms, firstRequest: all }
`;

describe('version pinning', () => {
  let origin: Origin;
  let gw: TestGateway;

  beforeAll(async () => {
    origin = await startOrigin();
    gw = await startTestGateway(shopConfig(origin.url, PINNING));
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  const get = (headers: Record<string, string>) => fetch(`${gw.url}/orders`, { headers });
  const version = async (headers: Record<string, string>) => (await get(headers)).headers.get('api-version');
  const admin = (path: string, init?: RequestInit) => fetch(`${gw.adminUrl}${path}`, init);
  const lastLine = () => gw.logs.filter((l) => l.msg === 'request').at(-1)!;

  it('pins a client to the version of its first request and gives it that version when it names none', async () => {
    expect(await version({ 'x-client-id': 'alice', 'api-version': '2024-01-01' })).toBe('2024-01-01');
    expect(await version({ 'x-client-id': 'alice' })).toBe('2024-01-01');
    await new Promise((r) => setTimeout(r, 20)); // the access line is written once the response has finished
    expect(lastLine()).toMatchObject({ client: 'alice', version: '2024-01-01', source: 'pin' });
  });

  it('pins a client whose first request names no version to the default', async () => {
    expect(await version({ 'x-client-id': 'bob' })).toBe('2025-06-01');
    expect(gw.gateway.pins!.get('bob')).toBe('2025-06-01');
  });

  it('lets a version the request names win over the pin, without moving the pin', async () => {
    expect(await version({ 'x-client-id': 'alice', 'api-version': '2024-09-01' })).toBe('2024-09-01');
    expect(await version({ 'x-client-id': 'alice' })).toBe('2024-01-01');
  });

  it('pins a header-identified client on its first request only when pins.firstRequest is all', async () => {
    const strict = await startTestGateway(shopConfig(origin.url, PINNING.replace('firstRequest: all', 'firstRequest: verified')));
    try {
      const res = await fetch(`${strict.url}/orders`, { headers: { 'x-client-id': 'mallory-1', 'api-version': '2024-01-01' } });
      expect(res.headers.get('api-version')).toBe('2024-01-01');
      expect(strict.gateway.pins!.get('mallory-1')).toBeUndefined();
      expect((await fetch(`${strict.url}/orders`, { headers: { 'x-client-id': 'mallory-1' } })).headers.get('api-version')).toBe('2025-06-01');
    } finally {
      await strict.close();
    }
  });

  it('never pins a client known only by its remote address', async () => {
    expect(await version({ 'api-version': '2024-01-01' })).toBe('2024-01-01');
    expect(await version({})).toBe('2025-06-01');
    expect(gw.gateway.pins!.get('127.0.0.1')).toBeUndefined();
  });

  it('writes first-request pins to the store and lists them on GET /pins', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const res = await admin('/pins');
    expect(res.status).toBe(200);
    const { pins } = await res.json() as { pins: { client: string; version: string; by: string }[] };
    expect(pins.map(({ client, version, by }) => ({ client, version, by }))).toEqual([
      { client: 'alice', version: '2024-01-01', by: 'first-request' },
      { client: 'bob', version: '2025-06-01', by: 'first-request' },
    ]);
  });

  it('moves a pin set through the admin API at once, alias resolved, and re-pins after a clear', async () => {
    const put = await admin('/pins/alice', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 'v3' }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ client: 'alice', version: '2024-09-01', by: 'admin' });
    expect(await version({ 'x-client-id': 'alice' })).toBe('2024-09-01');

    expect((await admin('/pins/alice', { method: 'DELETE' })).status).toBe(204);
    expect(await version({ 'x-client-id': 'alice' })).toBe('2025-06-01');
    expect(gw.gateway.pins!.get('alice')).toBe('2025-06-01');
  });

  it('picks up a pin written to the store by someone else (another replica, verso pin) within pins.refresh', async () => {
    await gw.gateway.store.setPin({ client: 'carol', version: '2024-01-01', pinnedAt: Date.now(), by: 'admin' }, false);
    await new Promise((r) => setTimeout(r, 200));
    expect(await version({ 'x-client-id': 'carol' })).toBe('2024-01-01');
  });
});
