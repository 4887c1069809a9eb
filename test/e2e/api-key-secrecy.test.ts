/**
 * API keys identify clients but are never kept: the store, the logs, the admin API and the
 * dashboard see only the salted key id. This test sends real keys and greps everything for them.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyId } from '../../gateway/clients/api-key.js';
import { startOrigin, startTestGateway, shopConfig, type Origin, type TestGateway } from '../helpers/servers.js';

const SALT = 'test-salt-0123456789abcdef';
const KEYS = ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_test_Zm9vYmFyYmF6cXV4MTIzNDU2'];
const LABELLED = keyId(SALT, KEYS[0]);

describe('API keys are never stored, logged or shown in clear', () => {
  let origin: Origin;
  let gw: TestGateway;
  let dir: string;
  const answers: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verso-keys-'));
    origin = await startOrigin();
    gw = await startTestGateway(shopConfig(origin.url, `resolve:
  order: [header, path, query, media-type, pin, default]
clients:
  - apiKey:
      header: X-Api-Key
      salt: ${SALT}
      labels: { ${LABELLED}: Acme mobile }
  - remoteAddress: true
store: { sqlite: ${join(dir, 'usage.db')} }
usage: { flushInterval: 50ms }
log: { level: debug }
`));
    const send = async (path: string, headers: Record<string, string>) => {
      const res = await fetch(`${gw.url}${path}`, { headers });
      answers.push(JSON.stringify([...res.headers]), await res.text());
    };
    await send('/orders', { 'x-api-key': KEYS[0], 'api-version': '2024-01-01' });
    await send('/orders/1', { 'x-api-key': KEYS[0] });
    await send('/orders', { 'x-api-key': `Bearer ${KEYS[1]}`, 'api-version': 'v3' });
    await send('/orders', { 'x-api-key': KEYS[1], 'api-version': 'no-such-version' }); // 400
    await send('/nowhere', { 'x-api-key': KEYS[1] }); // 404
    await gw.gateway.recorder!.flush();
    await new Promise((r) => setTimeout(r, 200)); // first-request pins are written shortly after
  });
  afterAll(async () => {
    await gw?.close();
    await origin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const leaks = (text: string) => KEYS.filter((key) => text.includes(key));

  it('identifies each key by its salted id, with the configured label', async () => {
    const res = await fetch(`${gw.adminUrl}/usage?by=client`);
    const report = await res.json() as { groups: { key: string; label?: string; requests: number }[] };
    expect(report.groups.map(({ key, label, requests }) => ({ key, label, requests }))).toEqual([
      { key: keyId(SALT, KEYS[0]), label: 'Acme mobile', requests: 2 },
      { key: keyId(SALT, KEYS[1]), label: undefined, requests: 2 },
    ]);
  });

  it('keeps no key in the store file', () => {
    for (const file of readdirSync(dir)) expect(leaks(readFileSync(join(dir, file)).toString('latin1')), file).toEqual([]);
  });

  it('writes no key to any log line', () => {
    expect(gw.logs.length).toBeGreaterThan(0);
    expect(leaks(JSON.stringify(gw.logs))).toEqual([]);
    expect(gw.logs.filter((l) => l.msg === 'request').map((l) => l.client)).toContain(LABELLED);
  });

  it('shows no key in any admin answer or in the gateway\'s own responses', async () => {
    const paths = ['/usage', '/usage?by=client', '/usage?by=operation', '/usage/series', '/usage/deprecated', `/usage/clients/${LABELLED}`, '/pins', '/metrics', '/dashboard'];
    for (const path of paths) {
      const res = await fetch(`${gw.adminUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(leaks(await res.text()), path).toEqual([]);
    }
    expect(leaks(answers.join('\n'))).toEqual([]);
  });
});
