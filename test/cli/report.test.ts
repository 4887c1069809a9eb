import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUsageRoutes } from '../../gateway/admin/usage-routes.js';
import { loadConfigFile } from '../../gateway/config/load.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { createImpact } from '../../gateway/usage/impact.js';
import { SqliteStore } from '../../gateway/usage/store/sqlite.js';
import type { UsageRow } from '../../gateway/usage/store/types.js';
import { stubCliEnv, verso } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NOW = '2025-06-15T12:00:00Z';
const dir = mkdtempSync(join(tmpdir(), 'verso-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
stubCliEnv({ VERSO_NOW: NOW });

const configText = (extra: string) => `
versions:
  - { id: "2023-06-01", aliases: [v1], deprecated: "2024-06-01", sunset: "2025-12-31", successor: "2025-06-01" }
  - { id: "2024-01-01", aliases: [v2], deprecated: "2025-06-01", sunset: "2027-01-31", successor: "2025-06-01" }
  - { id: "2024-09-01", aliases: [v3] }
  - { id: "2025-06-01", aliases: [v4] }
upstreams: { shop: { url: "http://127.0.0.1:1", speaks: head } }
routes: [{ prefix: /orders, upstream: shop }]
translation: { spec: ${join(ROOT, 'specs/shop.openapi.yaml')}, changes: ${join(ROOT, 'versions')} }
${extra}`;

/** The gateway's usual set-up: pins on, API keys labelled, the SQLite file beside the config. */
const CONFIG = join(dir, 'verso.yaml');
writeFileSync(CONFIG, configText(`
resolve: { order: [header, pin, default] }
clients:
  - header: X-Client-Id
  - apiKey: { header: X-Api-Key, salt: "a-test-salt-of-16-chars", labels: { key_0123456789abcdef: Billing batch } }
store: { sqlite: usage.db }
pins: { refresh: 15s }
`));
const DB = join(dir, 'usage.db');

function row(client: string, version: string, operation: string, bucket: string, count: number): UsageRow {
  const start = Date.parse(bucket);
  return { client, version, source: 'header', operation, statusClass: '2xx', granularity: 'minute', bucket: start, count, firstSeen: start + 1000, lastSeen: start + 59_000 };
}

beforeAll(async () => {
  const store = new SqliteStore(DB);
  await store.init();
  await store.write({
    clients: [
      { id: 'acme', kind: 'header' },
      { id: 'key_0123456789abcdef', kind: 'api-key' },
      { id: 'team "b", west', kind: 'header' },
      { id: '=cmd()', kind: 'header' },
      { id: 'bot\u001b[2J', kind: 'jwt', verified: false },
    ],
    rows: [
      row('acme', '2023-06-01', 'GET /orders/{id}', '2025-06-14T10:00:00Z', 120),
      row('acme', '2023-06-01', 'GET /orders', '2025-06-14T11:00:00Z', 30),
      row('acme', '2025-06-01', 'GET /orders', '2025-06-15T11:00:00Z', 50),
      row('key_0123456789abcdef', '2024-01-01', 'POST /orders', '2025-06-13T08:00:00Z', 40),
      row('team "b", west', '2023-06-01', 'GET /customers/{id}', '2025-06-12T08:00:00Z', 9),
      row('=cmd()', '2025-06-01', 'GET /orders/*', '2025-06-15T08:00:00Z', 3),
      row('bot\u001b[2J', '2025-06-01', 'GET /orders', '2025-06-15T09:00:00Z', 2),
    ],
  });
  await store.close();
});

/** The admin API's answer for the same store and clock, to compare `--format json` with. */
async function api(url: string): Promise<unknown> {
  const config = loadConfigFile(CONFIG);
  const store = new SqliteStore(DB);
  await store.init();
  const admin = Fastify();
  registerUsageRoutes(admin, { config, store, impact: createImpact(await loadTranslator(config)), now: () => Date.parse(NOW) });
  try {
    return (await admin.inject(url)).json();
  } finally {
    await admin.close();
    await store.close();
  }
}

const ERASE = '\u001b[2J';

describe.concurrent('verso report', () => {
  it('prints requests by version over the last 7 days as an aligned table with each version\'s share', async () => {
    expect(await verso(['report', '--config', CONFIG])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        '254 requests from 2025-06-08T12:00:00.000Z to 2025-06-15T12:00:00.000Z, by version',
        '',
        'VERSION     STATUS      REQUESTS  SHARE  FIRST SEEN                LAST SEEN',
        '2023-06-01  deprecated       159  62.6%  2025-06-12T08:00:01.000Z  2025-06-14T11:00:59.000Z',
        '2025-06-01  active            55  21.7%  2025-06-15T08:00:01.000Z  2025-06-15T11:00:59.000Z',
        '2024-01-01  deprecated        40  15.7%  2025-06-13T08:00:01.000Z  2025-06-13T08:00:59.000Z',
        '',
      ].join('\n'),
    });
  });

  it('prints requests by client with config labels, escaping control characters in client ids', async () => {
    expect(await verso(['report', '--by', 'client', '--config', CONFIG])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        '254 requests from 2025-06-08T12:00:00.000Z to 2025-06-15T12:00:00.000Z, by client',
        '',
        'CLIENT                LABEL          REQUESTS  SHARE  FIRST SEEN                LAST SEEN',
        'acme                                      200  78.7%  2025-06-14T10:00:01.000Z  2025-06-15T11:00:59.000Z',
        'key_0123456789abcdef  Billing batch        40  15.7%  2025-06-13T08:00:01.000Z  2025-06-13T08:00:59.000Z',
        'team "b", west                              9   3.5%  2025-06-12T08:00:01.000Z  2025-06-12T08:00:59.000Z',
        '=cmd()                                      3   1.2%  2025-06-15T08:00:01.000Z  2025-06-15T08:00:59.000Z',
        'bot\\x1b[2J                                  2   0.8%  2025-06-15T09:00:01.000Z  2025-06-15T09:00:59.000Z',
        '',
      ].join('\n'),
    });
  });

  it('cuts the table at --limit and says how many groups are left out, over --since', async () => {
    expect(await verso(['report', '--since', '2d', '--limit', '1', '--by', 'client', '--config', CONFIG])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        '205 requests from 2025-06-13T12:00:00.000Z to 2025-06-15T12:00:00.000Z, by client',
        '',
        'CLIENT  LABEL  REQUESTS  SHARE  FIRST SEEN                LAST SEEN',
        'acme                200  97.6%  2025-06-14T10:00:01.000Z  2025-06-15T11:00:59.000Z',
        '… and 2 more (raise --limit)',
        '',
      ].join('\n'),
    });
  });

  it('prints CSV by operation with a header line and CRLF line ends', async () => {
    expect(await verso(['report', '--by', 'operation', '--format', 'csv', '--config', CONFIG])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'operation,requests,first_seen,last_seen',
        'GET /orders/{id},120,2025-06-14T10:00:01.000Z,2025-06-14T10:00:59.000Z',
        'GET /orders,82,2025-06-14T11:00:01.000Z,2025-06-15T11:00:59.000Z',
        'POST /orders,40,2025-06-13T08:00:01.000Z,2025-06-13T08:00:59.000Z',
        'GET /customers/{id},9,2025-06-12T08:00:01.000Z,2025-06-12T08:00:59.000Z',
        'GET /orders/*,3,2025-06-15T08:00:01.000Z,2025-06-15T08:00:59.000Z',
        '',
      ].join('\r\n'),
    });
  });

  it('quotes CSV fields per RFC 4180 and defuses spreadsheet formulas in client ids', async () => {
    expect(await verso(['report', '--by', 'client', '--format', 'csv', '--config', CONFIG])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'client,label,requests,first_seen,last_seen',
        'acme,,200,2025-06-14T10:00:01.000Z,2025-06-15T11:00:59.000Z',
        'key_0123456789abcdef,Billing batch,40,2025-06-13T08:00:01.000Z,2025-06-13T08:00:59.000Z',
        '"team ""b"", west",,9,2025-06-12T08:00:01.000Z,2025-06-12T08:00:59.000Z',
        '\'=cmd(),,3,2025-06-15T08:00:01.000Z,2025-06-15T08:00:59.000Z',
        `bot${ERASE},,2,2025-06-15T09:00:01.000Z,2025-06-15T09:00:59.000Z`,
        '',
      ].join('\r\n'),
    });
  });

  it('prints exactly the admin API\'s JSON for GET /usage', async () => {
    const res = await verso(['report', '--by', 'client', '--format', 'json', '--config', CONFIG]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`${JSON.stringify(await api('/usage?by=client'), null, 2)}\n`);
    expect(JSON.parse(res.stdout)).toMatchObject({ by: 'client', total_requests: 254, group_count: 5 });
  });

  it('--deprecated prints each deprecated version\'s lifecycle, the deprecated share, and its clients with their changes to make', async () => {
    expect(await verso(['report', '--deprecated', '--config', CONFIG])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'Deprecated versions as of 2025-06-15T12:00:00.000Z (head 2025-06-01)',
        'From 2025-06-08T12:00:00.000Z to 2025-06-15T12:00:00.000Z: 254 requests, 199 to deprecated versions (78.3%)',
        '',
        'VERSION     STATUS      DEPRECATED  SUNSET      DAYS TO SUNSET  SUCCESSOR   REQUESTS  CLIENTS',
        '2023-06-01  deprecated  2024-06-01  2025-12-31             199  2025-06-01       159        2',
        '2024-01-01  deprecated  2025-06-01  2027-01-31             595  2025-06-01        40        1',
        '',
        '2023-06-01 (deprecated): 2 clients',
        '  CLIENT          LABEL  KIND    REQUESTS  LAST SEEN                 CHANGES  OPERATIONS',
        '  acme                   header       150  2025-06-14T11:00:59.000Z        7  GET /orders/{id}, GET /orders',
        '  team "b", west         header         9  2025-06-12T08:00:59.000Z        2  GET /customers/{id}',
        '',
        '2024-01-01 (deprecated): 1 client',
        '  CLIENT                LABEL          KIND     REQUESTS  LAST SEEN                 CHANGES  OPERATIONS',
        '  key_0123456789abcdef  Billing batch  api-key        40  2025-06-13T08:00:59.000Z        5  POST /orders',
        '',
      ].join('\n'),
    });
  });

  it('--deprecated --format csv prints one row per (version, client, operation) with the changes touching that operation', async () => {
    const created = '2024-01-01/order-created-at';
    const amount = '2024-09-01/order-amount-minor-units';
    const envelope = '2024-09-01/order-list-envelope';
    const fullName = '2024-09-01/customer-full-name';
    const errorCode = '2024-09-01/error-code';
    const customerId = '2025-06-01/order-customer-id';
    const canceled = '2025-06-01/order-status-canceled';
    expect(await verso(['report', '--deprecated', '--format', 'csv', '--config', CONFIG])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'version,status,deprecated_since,sunset,days_to_sunset,successor,client,label,kind,verified,operation,requests,last_seen,changes',
        `2023-06-01,deprecated,2024-06-01,2025-12-31,199,2025-06-01,acme,,header,,GET /orders/{id},120,2025-06-14T10:00:59.000Z,${[created, amount, fullName, errorCode, customerId, canceled].join(' ')}`,
        `2023-06-01,deprecated,2024-06-01,2025-12-31,199,2025-06-01,acme,,header,,GET /orders,30,2025-06-14T11:00:59.000Z,${[created, amount, envelope, fullName, errorCode, customerId, canceled].join(' ')}`,
        `2023-06-01,deprecated,2024-06-01,2025-12-31,199,2025-06-01,"team ""b"", west",,header,,GET /customers/{id},9,2025-06-12T08:00:59.000Z,${[fullName, errorCode].join(' ')}`,
        `2024-01-01,deprecated,2025-06-01,2027-01-31,595,2025-06-01,key_0123456789abcdef,Billing batch,api-key,,POST /orders,40,2025-06-13T08:00:59.000Z,${[amount, fullName, errorCode, customerId, canceled].join(' ')}`,
        '',
      ].join('\r\n'),
    });
  });

  it('--deprecated --format json prints exactly the admin API\'s JSON for GET /usage/deprecated', async () => {
    const res = await verso(['report', '--deprecated', '--since', '30d', '--format', 'json', '--config', CONFIG]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`${JSON.stringify(await api('/usage/deprecated?from=30d'), null, 2)}\n`);
    expect(JSON.parse(res.stdout)).toMatchObject({ generated_at: '2025-06-15T12:00:00.000Z', deprecated_requests: 199, versions: [{ version: '2023-06-01' }, { version: '2024-01-01' }] });
  });

  it('exits 2 for a --since it cannot read', async () => {
    expect(await verso(['report', '--since', 'last week', '--config', CONFIG])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'verso report: --since must be an RFC 3339 date or date-time (2025-06-01, 2025-06-01T12:00:00Z) or a time before now (30m, 24h, 7d, 2w), before now; got "last week"\n',
    });
  });

  it('exits 2 when the SQLite store does not exist yet, naming the file', async () => {
    const config = join(dir, 'fresh.yaml');
    writeFileSync(config, configText('store: { sqlite: never-started/usage.db }\n'));
    expect(await verso(['report', '--config', config])).toEqual({
      code: 2,
      stdout: '',
      stderr: `verso report: no usage store at ${join(dir, 'never-started/usage.db')} yet; the gateway creates it when it first starts (store.sqlite in ${config})\n`,
    });
  });
});

describe.concurrent('verso pin', () => {
  /** A config of its own for each test, its store holding `pins` (pinned at NOW by an admin). */
  async function pinsConfig(name: string, pins: [string, string][] = [], order = '[header, pin, default]'): Promise<string> {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, configText(`
resolve: { order: ${order} }
store: { sqlite: ${name}.db }
pins: { refresh: 15s }
`));
    const store = new SqliteStore(join(dir, `${name}.db`));
    await store.init();
    for (const [client, version] of pins) await store.setPin({ client, version, pinnedAt: Date.parse(NOW), by: 'admin' }, false);
    await store.close();
    return file;
  }
  const storedPins = async (name: string) => {
    const store = new SqliteStore(join(dir, `${name}.db`));
    await store.init();
    try {
      return (await store.listPins()).map((p) => [p.client, p.version, p.by]);
    } finally {
      await store.close();
    }
  };

  it('lists no pins', async () => {
    expect(await verso(['pin', 'list', '--config', await pinsConfig('none')])).toEqual({ code: 0, stdout: 'No pins.\n', stderr: '' });
  });

  it('lists pins as a table and as the admin API\'s JSON', async () => {
    const config = await pinsConfig('listed', [['team/α b', '2024-09-01'], ['acme', '2024-01-01']]);
    expect(await verso(['pin', 'list', '--config', config])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'CLIENT    VERSION     PINNED AT                 BY',
        'acme      2024-01-01  2025-06-15T12:00:00.000Z  admin',
        'team/α b  2024-09-01  2025-06-15T12:00:00.000Z  admin',
        '',
      ].join('\n'),
    });
    expect(await verso(['pin', 'list', '--format', 'json', '--config', config])).toEqual({
      code: 0,
      stderr: '',
      stdout: `${JSON.stringify({ pins: [
        { client: 'acme', version: '2024-01-01', pinned_at: '2025-06-15T12:00:00.000Z', by: 'admin' },
        { client: 'team/α b', version: '2024-09-01', pinned_at: '2025-06-15T12:00:00.000Z', by: 'admin' },
      ] }, null, 2)}\n`,
    });
  });

  it('sets pins from an alias and from a date (the closest earlier version), saying when gateways see them', async () => {
    const config = await pinsConfig('set', [['acme', '2023-06-01']]);
    expect(await verso(['pin', 'set', 'acme', 'v2', '--config', config])).toEqual({
      code: 0, stdout: 'pinned "acme" to 2024-01-01\n', stderr: 'running gateways pick this up within 15s (pins.refresh)\n',
    });
    expect(await verso(['pin', 'set', 'team/α b', '2024-10-15', '--config', config])).toEqual({
      code: 0, stdout: 'pinned "team/α b" to 2024-09-01\n', stderr: 'running gateways pick this up within 15s (pins.refresh)\n',
    });
    expect(await storedPins('set')).toEqual([['acme', '2024-01-01', 'admin'], ['team/α b', '2024-09-01', 'admin']]);
  });

  it('exits 2 for an unknown version, listing the supported ones, and keeps the pin', async () => {
    const config = await pinsConfig('unknown', [['acme', '2024-01-01']]);
    expect(await verso(['pin', 'set', 'acme', 'v9', '--config', config])).toEqual({
      code: 2, stdout: '', stderr: 'verso pin set: unknown version "v9"; supported versions: 2023-06-01 (v1), 2024-01-01 (v2), 2024-09-01 (v3), 2025-06-01 (v4)\n',
    });
    expect(await storedPins('unknown')).toEqual([['acme', '2024-01-01', 'admin']]);
  });

  it('clears a pin, and exits 2 for a client without one', async () => {
    const config = await pinsConfig('clear', [['acme', '2024-01-01']]);
    expect(await verso(['pin', 'clear', 'acme', '--config', config])).toEqual({
      code: 0, stdout: 'cleared the pin of "acme"\n', stderr: 'running gateways pick this up within 15s (pins.refresh)\n',
    });
    expect(await verso(['pin', 'clear', 'acme', '--config', config])).toEqual({
      code: 2, stdout: '', stderr: 'verso pin clear: "acme" has no pin (verso pin list shows them)\n',
    });
    expect(await storedPins('clear')).toEqual([]);
  });

  it('warns that gateways ignore pins when resolve.order has no pin', async () => {
    const config = await pinsConfig('off', [], '[header, default]');
    expect(await verso(['pin', 'set', 'acme', '2025-06-01', '--config', config])).toEqual({
      code: 0, stdout: 'pinned "acme" to 2025-06-01\n', stderr: `note: resolve.order in ${config} does not list pin, so gateways ignore pins until it does\n`,
    });
  });
});

describe.concurrent('verso key-id', () => {
  it('prints the client id of the first line on stdin, trimmed, never the key', async () => {
    // key_ + the first 16 hex digits of HMAC-SHA256("a-test-salt-of-16-chars", "sk_live_123")
    expect(await verso(['key-id', '--config', CONFIG], '  sk_live_123  \nsomething else\n')).toEqual({ code: 0, stdout: 'key_3bfb7a161f766572\n', stderr: '' });
  });

  it('takes a key without a line break, as printf %s sends it', async () => {
    expect(await verso(['key-id', '--config', CONFIG], 'sk_live_123')).toEqual({ code: 0, stdout: 'key_3bfb7a161f766572\n', stderr: '' });
  });

  it('exits 2 with nothing on stdin', async () => {
    expect(await verso(['key-id', '--config', CONFIG], '\n')).toEqual({
      code: 2, stdout: '', stderr: 'verso key-id: no API key on stdin; pipe one in: printf %s "$KEY" | verso key-id\n',
    });
  });

  it('exits 2 when the config has no apiKey rule to take the salt from', async () => {
    const config = join(dir, 'nokeys.yaml');
    writeFileSync(config, configText('clients: [{ header: X-Client-Id }]\n'));
    expect(await verso(['key-id', '--config', config], 'sk_live_123\n')).toEqual({
      code: 2, stdout: '', stderr: `verso key-id: ${config} has no apiKey client rule (clients: - apiKey: { header, salt }), so there is no salt to derive key ids with\n`,
    });
  });
});
