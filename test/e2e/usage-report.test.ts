/**
 * Real traffic from three clients on three versions (and one call to a sunset version) through
 * the demo gateway, then the same report through the admin API and `verso report` in every
 * format. The clock is fixed (the gateway's `now`, the CLI's VERSO_NOW) so the lifecycle and the
 * report's time range are the same on every run.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyId } from '../../gateway/clients/api-key.js';
import { loadConfigFile } from '../../gateway/config/load.js';
import { createGateway, type Gateway } from '../../gateway/server.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { startDemo, type RunningDemo } from '../../demo/server.js';
import { Writable } from 'node:stream';
import { stubCliEnv, verso } from '../helpers/cli.js';

const NOW = '2026-06-15T12:00:30.000Z';
const SALT = 'e2e-salt-0123456789abcdef';
const BILLING_KEY = 'sk_live_billing_0123456789';
const BILLING = keyId(SALT, BILLING_KEY);
const root = resolve(import.meta.dirname, '../..');
stubCliEnv({ VERSO_NOW: NOW });

describe('usage report from real traffic: three clients on three versions', () => {
  let dir: string;
  let file: string;
  let demo: RunningDemo;
  let gateway: Gateway;
  let admin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verso-report-'));
    file = join(dir, 'gateway.yaml');
    demo = await startDemo({ host: '127.0.0.1', port: 0 });
    const yaml = readFileSync(join(root, 'gateway.yaml'), 'utf8')
      .replace('spec: specs/shop.openapi.yaml', `spec: ${join(root, 'specs/shop.openapi.yaml')}`)
      .replace('changes: versions', `changes: ${join(root, 'versions')}`)
      .replace('sqlite: data/usage.db', `sqlite: ${join(dir, 'usage.db')}`)
      .replace(/salt: .*/, `salt: ${SALT}\n      labels: { ${BILLING}: Billing batch }`)
      .replace('flushInterval: 10s', 'flushInterval: 50ms');
    writeFileSync(file, yaml);
    const config = loadConfigFile(file, { env: { DEMO_UPSTREAM_URL: demo.url, PORT: '0', ADMIN_PORT: '0' } });
    gateway = createGateway(config, { translator: await loadTranslator(config), now: () => Date.parse(NOW), logStream: new Writable({ write: (_c, _e, cb) => cb() }) });
    const { url, adminUrl } = await gateway.listen();
    admin = adminUrl;

    const send = async (path: string, headers: Record<string, string>, status: number) => {
      const res = await fetch(`${url}${path}`, { headers });
      await res.arrayBuffer();
      expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(status);
    };
    const mobile = { 'x-client-id': 'mobile-app' };
    for (let i = 0; i < 3; i++) await send('/orders', { ...mobile, 'api-version': '2024-01-01' }, 200);
    await send('/orders/ord_0001', { ...mobile, 'api-version': '2024-01-01' }, 200);
    await send('/orders', { ...mobile, 'api-version': '2023-06-01' }, 410);
    for (let i = 0; i < 3; i++) await send('/v3/orders', { 'x-api-key': BILLING_KEY }, 200);
    for (let i = 0; i < 2; i++) await send('/customers/cus_0001', { 'x-client-id': 'web', 'api-version': '2025-06-01' }, 200);
    await gateway.recorder!.flush();
  });

  afterAll(async () => {
    await gateway?.close();
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (path: string) => {
    const res = await fetch(`${admin}${path}`);
    expect(res.status, path).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };
  /** `verso report --config FILE ARGS`, in-process, at VERSO_NOW: its stdout, once it exits 0. */
  const cli = async (...args: string[]) => {
    const res = await verso(['report', '--config', file, ...args]);
    expect(res.code, `verso report ${args.join(' ')}: ${res.stderr}`).toBe(0);
    return res.stdout;
  };

  const at = NOW;
  const byVersion = {
    from: '2026-06-08T12:00:30.000Z',
    to: NOW,
    by: 'version',
    total_requests: 10,
    group_count: 4,
    groups: [
      { key: '2024-01-01', deprecated: true, requests: 4, first_seen: at, last_seen: at },
      { key: '2024-09-01', deprecated: false, requests: 3, first_seen: at, last_seen: at },
      { key: '2025-06-01', deprecated: false, requests: 2, first_seen: at, last_seen: at },
      { key: '2023-06-01', deprecated: true, requests: 1, first_seen: at, last_seen: at },
    ],
  };

  it('reports usage by version through the API and `verso report --format json` identically', async () => {
    expect(await api('/usage')).toEqual(byVersion);
    expect(JSON.parse(await cli('--format', 'json'))).toEqual(byVersion);
  });

  it('reports usage by client, with the API key shown only by its id and label', async () => {
    const expected = [
      { key: 'mobile-app', requests: 5 },
      { key: BILLING, label: 'Billing batch', requests: 3 },
      { key: 'web', requests: 2 },
    ];
    const fromApi = await api('/usage?by=client') as { groups: { key: string; label?: string; requests: number }[] };
    expect(fromApi.groups.map(({ key, label, requests }) => (label ? { key, label, requests } : { key, requests }))).toEqual(expected);
    const fromCli = JSON.parse(await cli('--by', 'client', '--format', 'json')) as typeof fromApi;
    expect(fromCli).toEqual(fromApi);
  });

  it('reports usage by operation with the head spec\'s templates', async () => {
    const report = await api('/usage?by=operation') as { groups: { key: string; requests: number }[] };
    expect(report.groups.map((g) => [g.key, g.requests])).toEqual([['GET /orders', 7], ['GET /customers/{id}', 2], ['GET /orders/{id}', 1]]);
  });

  it('names the clients still on deprecated versions, what they call and the changes that touch it', async () => {
    const report = await api('/usage/deprecated') as {
      total_requests: number; deprecated_requests: number; deprecated_share: number;
      versions: { version: string; status: string; days_to_sunset?: number; requests: number; client_count: number; clients: { client: string; requests: number; operations: { operation: string; requests: number }[]; impact: { change: string; operations: string[] }[] }[] }[];
    };
    expect(report.total_requests).toBe(10);
    expect(report.deprecated_requests).toBe(5);
    expect(report.deprecated_share).toBe(0.5);
    expect(report.versions.map((v) => ({
      version: v.version, status: v.status, days: v.days_to_sunset, requests: v.requests, clients: v.client_count,
      who: v.clients.map((c) => ({ client: c.client, requests: c.requests, operations: c.operations.map((o) => [o.operation, o.requests]), impact: c.impact.map((i) => i.change) })),
    }))).toEqual([
      {
        version: '2023-06-01', status: 'sunset', days: -166, requests: 1, clients: 1,
        who: [{
          client: 'mobile-app', requests: 1, operations: [['GET /orders', 1]],
          impact: ['2024-01-01/order-created-at', '2024-09-01/order-amount-minor-units', '2024-09-01/order-list-envelope', '2024-09-01/customer-full-name', '2024-09-01/error-code', '2025-06-01/order-customer-id', '2025-06-01/order-status-canceled'],
        }],
      },
      {
        version: '2024-01-01', status: 'deprecated', days: 230, requests: 4, clients: 1,
        who: [{
          client: 'mobile-app', requests: 4, operations: [['GET /orders', 3], ['GET /orders/{id}', 1]],
          // customer-full-name: an order's customer can be expanded inline (?expand=customer).
          impact: ['2024-09-01/order-amount-minor-units', '2024-09-01/order-list-envelope', '2024-09-01/customer-full-name', '2024-09-01/error-code', '2025-06-01/order-customer-id', '2025-06-01/order-status-canceled'],
        }],
      },
    ]);
    expect(JSON.parse(await cli('--deprecated', '--format', 'json'))).toEqual(report);
  });

  it('prints the deprecated report as a table', async () => {
    const table = await cli('--deprecated');
    expect(table.split('\n').slice(0, 6)).toEqual([
      `Deprecated versions as of ${NOW} (head 2025-06-01)`,
      'From 2026-06-08T12:00:30.000Z to 2026-06-15T12:00:30.000Z: 10 requests, 5 to deprecated versions (50.0%)',
      '',
      'VERSION     STATUS      DEPRECATED  SUNSET      DAYS TO SUNSET  SUCCESSOR   REQUESTS  CLIENTS',
      '2023-06-01  sunset      2024-06-01  2025-12-31            -166  2025-06-01         1        1',
      '2024-01-01  deprecated  2025-06-01  2027-01-31             230  2025-06-01         4        1',
    ]);
    expect(table).toContain('  mobile-app');
  });

  it('prints the usage report as CSV, one row per group', async () => {
    expect(await cli('--format', 'csv')).toBe([
      'version,deprecated,requests,first_seen,last_seen',
      `2024-01-01,true,4,${at},${at}`,
      `2024-09-01,false,3,${at},${at}`,
      `2025-06-01,false,2,${at},${at}`,
      `2023-06-01,true,1,${at},${at}`,
      '',
    ].join('\r\n'));
  });

  it('times each translated body in the translation latency histogram', async () => {
    const text = await (await fetch(`${admin}/metrics`)).text();
    // Seven responses were translated down (four to 2024-01-01, three to 2024-09-01); no request
    // body needed translating (GETs), and 2025-06-01 and the 410 were not translated at all.
    expect(text.split('\n').filter((l) => l.startsWith('verso_translation_duration_seconds_count'))).toEqual([
      'verso_translation_duration_seconds_count{direction="response"} 7',
    ]);
  });
});
