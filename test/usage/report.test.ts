import { resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../gateway/config/load.js';
import type { GatewayConfig } from '../../gateway/config/types.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { createImpact, type Impact } from '../../gateway/usage/impact.js';
import { autoStep, createReports, daysToSunset, parseInstant, parseStep, pinsResponse, type Reports } from '../../gateway/usage/report.js';
import { SqliteStore } from '../../gateway/usage/store/sqlite.js';
import type { ClientInfo, StatusClass, UsageRow } from '../../gateway/usage/store/types.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NOW = Date.parse('2025-06-15T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 86_400_000;

const CONFIG = `
versions:
  - { id: "2023-06-01", aliases: [v1], deprecated: "2024-06-01", sunset: "2025-12-31", successor: "2025-06-01" }
  - { id: "2024-01-01", aliases: [v2], deprecated: "2025-06-01", sunset: "2027-01-31", successor: "2025-06-01" }
  - { id: "2024-09-01", aliases: [v3] }
  - { id: "2025-06-01", aliases: [v4] }
clients:
  - header: X-Client-Id
  - apiKey: { header: X-Api-Key, salt: "a-test-salt-of-16-chars", labels: { key_0123456789abcdef: Billing batch } }
upstreams: { shop: { url: "http://127.0.0.1:1", speaks: head } }
routes: [{ prefix: /orders, upstream: shop }]
translation: { spec: specs/shop.openapi.yaml, changes: versions }
store: { sqlite: ":memory:" }
`;

const DESCRIPTIONS: Record<string, string> = {
  '2024-01-01/order-created-at': 'Order.created (unix seconds) is replaced by created_at, an ISO 8601 date-time.',
  '2024-09-01/order-amount-minor-units': 'Order.amount is an integer in the currency\'s minor unit (1250) instead of a decimal string in major units ("12.50"), and orders carry a currency. Earlier versions only knew usd.',
  '2024-09-01/order-list-envelope': 'GET /orders returns a page object { data, has_more } instead of a bare array of orders.',
  '2024-09-01/customer-full-name': 'Customer.full_name is renamed name.',
  '2024-09-01/error-code': 'The machine-readable error field error.type is renamed error.code.',
  '2025-06-01/order-customer-id': 'Order.customer, the customer id, is renamed customer_id. The customer object that expand=customer adds to an order, formerly customer_details, is now customer.',
  '2025-06-01/order-status-canceled': 'The order status "cancelled" is spelled "canceled".',
};
const change = (id: string, operations: string[]) => ({ change: id, version: id.slice(0, 10), description: DESCRIPTIONS[id], operations });

let config: GatewayConfig;
let impact: Impact;
let store: SqliteStore;

beforeAll(async () => {
  config = loadConfigText(CONFIG, resolve(ROOT, 'report-test.yaml'));
  impact = createImpact(await loadTranslator(config));
});
beforeEach(async () => {
  store = new SqliteStore(':memory:');
  await store.init();
});
afterEach(() => store.close());

/** A counted cell; first seen one second into its bucket, last seen at its 59th second. */
function row(client: string, version: string, operation: string, bucket: string, count: number, statusClass: StatusClass = '2xx', granularity: UsageRow['granularity'] = 'minute'): UsageRow {
  const start = Date.parse(bucket);
  return { client, version, source: 'header', operation, statusClass, granularity, bucket: start, count, firstSeen: start + 1000, lastSeen: start + 59_000 };
}

const CLIENTS: ClientInfo[] = [
  { id: 'acme', kind: 'header' },
  { id: 'beta', kind: 'header' },
  { id: 'key_0123456789abcdef', kind: 'api-key' },
  { id: 'user-7', kind: 'jwt', verified: true },
  { id: 'old', kind: 'header' },
];

/** 475 requests between 2025-06-08T12:00Z and now: 180 on 2023-06-01, 45 on 2024-01-01 (both deprecated), 200 on 2024-09-01, 50 on the head. */
async function fill(): Promise<void> {
  await store.write({
    clients: CLIENTS,
    rows: [
      row('acme', '2023-06-01', 'GET /orders/{id}', '2025-06-14T10:00:00Z', 100),
      row('acme', '2023-06-01', 'GET /orders/{id}', '2025-06-14T10:05:00Z', 20, '4xx'),
      row('acme', '2023-06-01', 'GET /orders', '2025-06-15T09:30:00Z', 30),
      row('acme', '2025-06-01', 'GET /orders', '2025-06-15T11:00:00Z', 50),
      row('key_0123456789abcdef', '2024-01-01', 'POST /orders', '2025-06-13T08:00:00Z', 40),
      row('key_0123456789abcdef', '2024-01-01', 'GET /orders/*', '2025-06-13T08:01:00Z', 5, '4xx'),
      row('beta', '2024-09-01', 'GET /customers/{id}', '2025-06-12T00:00:00Z', 200, '2xx', 'day'),
      row('user-7', '2023-06-01', 'GET /customers/{id}', '2025-06-10T12:00:00Z', 30),
      // Before the default range (7 days before now): counted nowhere below.
      row('old', '2023-06-01', 'GET /orders/{id}', '2025-06-01T00:00:00Z', 999),
    ],
  });
}

function reports(now = NOW): Reports {
  return createReports({ config, store, impact, now: () => now });
}

describe('usageReport', () => {
  it('groups the last 7 days by version, most requests first, marking deprecated versions', async () => {
    await fill();
    expect(await reports().usageReport('version', {}, 100)).toEqual({
      from: '2025-06-08T12:00:00.000Z',
      to: '2025-06-15T12:00:00.000Z',
      by: 'version',
      total_requests: 475,
      group_count: 4,
      groups: [
        { key: '2024-09-01', deprecated: false, requests: 200, first_seen: '2025-06-12T00:00:01.000Z', last_seen: '2025-06-12T00:00:59.000Z' },
        { key: '2023-06-01', deprecated: true, requests: 180, first_seen: '2025-06-10T12:00:01.000Z', last_seen: '2025-06-15T09:30:59.000Z' },
        { key: '2025-06-01', deprecated: false, requests: 50, first_seen: '2025-06-15T11:00:01.000Z', last_seen: '2025-06-15T11:00:59.000Z' },
        { key: '2024-01-01', deprecated: true, requests: 45, first_seen: '2025-06-13T08:00:01.000Z', last_seen: '2025-06-13T08:01:59.000Z' },
      ],
    });
  });

  it('groups by client with config labels, ties by id, cut at the limit while group_count counts them all', async () => {
    await fill();
    expect(await reports().usageReport('client', {}, 3)).toEqual({
      from: '2025-06-08T12:00:00.000Z',
      to: '2025-06-15T12:00:00.000Z',
      by: 'client',
      total_requests: 475,
      group_count: 4,
      groups: [
        { key: 'acme', requests: 200, first_seen: '2025-06-14T10:00:01.000Z', last_seen: '2025-06-15T11:00:59.000Z' },
        { key: 'beta', requests: 200, first_seen: '2025-06-12T00:00:01.000Z', last_seen: '2025-06-12T00:00:59.000Z' },
        { key: 'key_0123456789abcdef', label: 'Billing batch', requests: 45, first_seen: '2025-06-13T08:00:01.000Z', last_seen: '2025-06-13T08:01:59.000Z' },
      ],
    });
  });

  it('groups by operation within the versions asked for', async () => {
    await fill();
    const report = await reports().usageReport('operation', { versions: ['2023-06-01'] }, 100);
    expect(report.total_requests).toBe(180);
    expect(report.groups).toEqual([
      { key: 'GET /orders/{id}', requests: 120, first_seen: '2025-06-14T10:00:01.000Z', last_seen: '2025-06-14T10:05:59.000Z' },
      { key: 'GET /customers/{id}', requests: 30, first_seen: '2025-06-10T12:00:01.000Z', last_seen: '2025-06-10T12:00:59.000Z' },
      { key: 'GET /orders', requests: 30, first_seen: '2025-06-15T09:30:01.000Z', last_seen: '2025-06-15T09:30:59.000Z' },
    ]);
  });

  it('reports one client over an explicit range', async () => {
    await fill();
    const report = await reports().usageReport('version', { client: 'acme', from: Date.parse('2025-06-15T00:00:00Z'), to: NOW }, 100);
    expect(report).toEqual({
      from: '2025-06-15T00:00:00.000Z',
      to: '2025-06-15T12:00:00.000Z',
      by: 'version',
      total_requests: 80,
      group_count: 2,
      groups: [
        { key: '2025-06-01', deprecated: false, requests: 50, first_seen: '2025-06-15T11:00:01.000Z', last_seen: '2025-06-15T11:00:59.000Z' },
        { key: '2023-06-01', deprecated: true, requests: 30, first_seen: '2025-06-15T09:30:01.000Z', last_seen: '2025-06-15T09:30:59.000Z' },
      ],
    });
  });

  it('is empty, not an error, when nothing was recorded', async () => {
    expect(await reports().usageReport('version', {}, 100)).toEqual({
      from: '2025-06-08T12:00:00.000Z', to: '2025-06-15T12:00:00.000Z', by: 'version', total_requests: 0, group_count: 0, groups: [],
    });
  });
});

describe('usageSeries', () => {
  it('gives one line per version, oldest version first, with a zero for every empty bucket', async () => {
    await fill();
    expect(await reports().usageSeries({ from: Date.parse('2025-06-14T00:00:00Z'), to: Date.parse('2025-06-16T00:00:00Z') }, DAY)).toEqual({
      from: '2025-06-14T00:00:00.000Z',
      to: '2025-06-16T00:00:00.000Z',
      step_seconds: 86400,
      buckets: ['2025-06-14T00:00:00.000Z', '2025-06-15T00:00:00.000Z'],
      versions: [
        { version: '2023-06-01', deprecated: true, counts: [120, 30] },
        { version: '2025-06-01', deprecated: false, counts: [0, 50] },
      ],
    });
  });

  it('picks hourly buckets for the default 7 days, the first bucket holding the range start', async () => {
    await fill();
    const series = await reports().usageSeries({});
    expect(series.step_seconds).toBe(3600);
    expect(series.buckets).toHaveLength(168);
    expect(series.buckets[0]).toBe('2025-06-08T12:00:00.000Z');
    expect(series.buckets[167]).toBe('2025-06-15T11:00:00.000Z');
    expect(series.versions.map((v) => [v.version, v.counts.reduce((a, b) => a + b, 0)])).toEqual([
      ['2023-06-01', 180], ['2024-01-01', 45], ['2024-09-01', 200], ['2025-06-01', 50],
    ]);
    const at = (iso: string) => series.buckets.indexOf(iso);
    expect(series.versions[0].counts[at('2025-06-14T10:00:00.000Z')]).toBe(120);
    expect(series.versions[2].counts[at('2025-06-12T00:00:00.000Z')]).toBe(200);
  });

  it('starts a bucket before the range when the range does not start on a step boundary', async () => {
    await fill();
    const series = await reports().usageSeries({ from: Date.parse('2025-06-15T09:45:00Z'), to: NOW }, HOUR);
    expect(series.buckets).toEqual(['2025-06-15T09:00:00.000Z', '2025-06-15T10:00:00.000Z', '2025-06-15T11:00:00.000Z']);
    // The 09:30 bucket is before `from`: the store does not count it.
    expect(series.versions).toEqual([{ version: '2025-06-01', deprecated: false, counts: [0, 0, 50] }]);
  });
});

describe('deprecatedReport', () => {
  it('lists each deprecated version with its clients, their operations and what moving to the head changes for them', async () => {
    await fill();
    expect(await reports().deprecatedReport({}, 100)).toEqual({
      generated_at: '2025-06-15T12:00:00.000Z',
      from: '2025-06-08T12:00:00.000Z',
      to: '2025-06-15T12:00:00.000Z',
      head: '2025-06-01',
      total_requests: 475,
      deprecated_requests: 225,
      deprecated_share: 225 / 475,
      deprecated_client_count: 3,
      versions: [
        {
          version: '2023-06-01',
          status: 'deprecated',
          deprecated_since: '2024-06-01',
          sunset: '2025-12-31',
          days_to_sunset: 199,
          successor: '2025-06-01',
          requests: 180,
          client_count: 2,
          clients: [
            {
              client: 'acme',
              kind: 'header',
              requests: 150,
              first_seen: '2025-06-14T10:00:01.000Z',
              last_seen: '2025-06-15T09:30:59.000Z',
              operations: [
                { operation: 'GET /orders/{id}', requests: 120, last_seen: '2025-06-14T10:05:59.000Z' },
                { operation: 'GET /orders', requests: 30, last_seen: '2025-06-15T09:30:59.000Z' },
              ],
              impact: [
                change('2024-01-01/order-created-at', ['GET /orders', 'GET /orders/{id}']),
                change('2024-09-01/order-amount-minor-units', ['GET /orders', 'GET /orders/{id}']),
                change('2024-09-01/order-list-envelope', ['GET /orders']),
                change('2024-09-01/customer-full-name', ['GET /orders', 'GET /orders/{id}']),
                change('2024-09-01/error-code', ['GET /orders', 'GET /orders/{id}']),
                change('2025-06-01/order-customer-id', ['GET /orders', 'GET /orders/{id}']),
                change('2025-06-01/order-status-canceled', ['GET /orders', 'GET /orders/{id}']),
              ],
            },
            {
              client: 'user-7',
              kind: 'jwt',
              verified: true,
              requests: 30,
              first_seen: '2025-06-10T12:00:01.000Z',
              last_seen: '2025-06-10T12:00:59.000Z',
              operations: [{ operation: 'GET /customers/{id}', requests: 30, last_seen: '2025-06-10T12:00:59.000Z' }],
              impact: [
                change('2024-09-01/customer-full-name', ['GET /customers/{id}']),
                change('2024-09-01/error-code', ['GET /customers/{id}']),
              ],
            },
          ],
        },
        {
          version: '2024-01-01',
          status: 'deprecated',
          deprecated_since: '2025-06-01',
          sunset: '2027-01-31',
          days_to_sunset: 595,
          successor: '2025-06-01',
          requests: 45,
          client_count: 1,
          clients: [
            {
              client: 'key_0123456789abcdef',
              label: 'Billing batch',
              kind: 'api-key',
              requests: 45,
              first_seen: '2025-06-13T08:00:01.000Z',
              last_seen: '2025-06-13T08:01:59.000Z',
              operations: [
                { operation: 'POST /orders', requests: 40, last_seen: '2025-06-13T08:00:59.000Z' },
                { operation: 'GET /orders/*', requests: 5, last_seen: '2025-06-13T08:01:59.000Z' },
              ],
              impact: [
                change('2024-09-01/order-amount-minor-units', ['POST /orders']),
                change('2024-09-01/customer-full-name', ['POST /orders']),
                change('2024-09-01/error-code', ['POST /orders']),
                change('2025-06-01/order-customer-id', ['POST /orders']),
                change('2025-06-01/order-status-canceled', ['POST /orders']),
              ],
            },
          ],
        },
      ],
    });
  });

  it('cuts each version\'s clients at the limit, most requests first, and still counts them all', async () => {
    await fill();
    const report = await reports().deprecatedReport({}, 1);
    expect(report.versions.map((v) => [v.version, v.client_count, v.requests, v.clients.map((c) => c.client)])).toEqual([
      ['2023-06-01', 2, 180, ['acme']],
      ['2024-01-01', 1, 45, ['key_0123456789abcdef']],
    ]);
  });

  it('lists a sunset version with negative days to sunset, and deprecated versions nobody calls, with zero traffic', async () => {
    await fill();
    expect(await reports(Date.parse('2026-01-10T12:00:00Z')).deprecatedReport({}, 100)).toEqual({
      generated_at: '2026-01-10T12:00:00.000Z',
      from: '2026-01-03T12:00:00.000Z',
      to: '2026-01-10T12:00:00.000Z',
      head: '2025-06-01',
      total_requests: 0,
      deprecated_requests: 0,
      deprecated_share: 0,
      deprecated_client_count: 0,
      versions: [
        { version: '2023-06-01', status: 'sunset', deprecated_since: '2024-06-01', sunset: '2025-12-31', days_to_sunset: -10, successor: '2025-06-01', requests: 0, client_count: 0, clients: [] },
        { version: '2024-01-01', status: 'deprecated', deprecated_since: '2025-06-01', sunset: '2027-01-31', days_to_sunset: 386, successor: '2025-06-01', requests: 0, client_count: 0, clients: [] },
      ],
    });
  });

  it('has no versions before any deprecation date', async () => {
    await fill();
    const report = await reports(Date.parse('2024-05-01T00:00:00Z')).deprecatedReport({}, 100);
    expect(report.versions).toEqual([]);
    expect(report.deprecated_share).toBe(0);
  });

  it('builds the report for 10,000 clients with three store calls whatever their number', async () => {
    const clients: ClientInfo[] = [];
    const rows: UsageRow[] = [];
    for (let i = 0; i < 10_000; i++) {
      const id = `client-${String(i).padStart(5, '0')}`;
      clients.push({ id, kind: 'header' });
      const version = i % 3 === 0 ? '2024-01-01' : '2023-06-01';
      rows.push(row(id, version, 'GET /orders/{id}', '2025-06-14T10:00:00Z', 1 + (i % 7)));
      rows.push(row(id, version, 'GET /orders', '2025-06-14T11:00:00Z', 2));
      rows.push(row(id, '2025-06-01', 'POST /orders', '2025-06-14T12:00:00Z', 1));
    }
    await store.write({ clients, rows });
    let calls = 0;
    const counting = new Proxy(store, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => { calls++; return (value as (...a: unknown[]) => unknown).apply(target, args); };
      },
    });
    const started = performance.now();
    const report = await createReports({ config, store: counting, impact, now: () => NOW }).deprecatedReport({}, 10_000);
    const elapsed = performance.now() - started;
    expect(calls).toBe(3);
    expect(report.versions.map((v) => [v.version, v.client_count, v.clients.length])).toEqual([['2023-06-01', 6666, 6666], ['2024-01-01', 3334, 3334]]);
    expect(report.versions[1].clients[0]).toMatchObject({ client: 'client-00006', requests: 9 });
    // About 0.3 s on one core; the bound is loose for busy machines, the call count is the real guard.
    expect(elapsed).toBeLessThan(5000);
  });
});

describe('clientDetail', () => {
  it('shows one client\'s versions (oldest first), operations (most requests first), pin and impact per deprecated version', async () => {
    await fill();
    await store.setPin({ client: 'acme', version: '2023-06-01', pinnedAt: NOW - DAY, by: 'first-request' }, false);
    expect(await reports().clientDetail('acme', {})).toEqual({
      client: 'acme',
      kind: 'header',
      pin: '2023-06-01',
      from: '2025-06-08T12:00:00.000Z',
      to: '2025-06-15T12:00:00.000Z',
      requests: 200,
      first_seen: '2025-06-14T10:00:01.000Z',
      last_seen: '2025-06-15T11:00:59.000Z',
      versions: [
        { version: '2023-06-01', deprecated: true, requests: 150, last_seen: '2025-06-15T09:30:59.000Z' },
        { version: '2025-06-01', deprecated: false, requests: 50, last_seen: '2025-06-15T11:00:59.000Z' },
      ],
      operations: [
        { operation: 'GET /orders/{id}', version: '2023-06-01', requests: 120, last_seen: '2025-06-14T10:05:59.000Z' },
        { operation: 'GET /orders', version: '2025-06-01', requests: 50, last_seen: '2025-06-15T11:00:59.000Z' },
        { operation: 'GET /orders', version: '2023-06-01', requests: 30, last_seen: '2025-06-15T09:30:59.000Z' },
      ],
      impact: [{
        version: '2023-06-01',
        changes: [
          change('2024-01-01/order-created-at', ['GET /orders', 'GET /orders/{id}']),
          change('2024-09-01/order-amount-minor-units', ['GET /orders', 'GET /orders/{id}']),
          change('2024-09-01/order-list-envelope', ['GET /orders']),
          change('2024-09-01/customer-full-name', ['GET /orders', 'GET /orders/{id}']),
          change('2024-09-01/error-code', ['GET /orders', 'GET /orders/{id}']),
          change('2025-06-01/order-customer-id', ['GET /orders', 'GET /orders/{id}']),
          change('2025-06-01/order-status-canceled', ['GET /orders', 'GET /orders/{id}']),
        ],
      }],
    });
  });

  it('labels an API key client from the config', async () => {
    await fill();
    const detail = await reports().clientDetail('key_0123456789abcdef', {});
    expect(detail).toMatchObject({ client: 'key_0123456789abcdef', label: 'Billing batch', kind: 'api-key', requests: 45 });
    expect(detail!.impact.map((i) => [i.version, i.changes.length])).toEqual([['2024-01-01', 5]]);
  });

  it('shows a known client with no requests in the range as zero, without first and last seen', async () => {
    await fill();
    expect(await reports().clientDetail('old', {})).toEqual({
      client: 'old', kind: 'header', from: '2025-06-08T12:00:00.000Z', to: '2025-06-15T12:00:00.000Z', requests: 0, versions: [], operations: [], impact: [],
    });
  });

  it('shows a client that is only pinned, its kind read from its id', async () => {
    await store.setPin({ client: 'key_fedcba9876543210', version: '2024-09-01', pinnedAt: NOW, by: 'admin' }, false);
    await store.setPin({ client: 'newcomer', version: '2024-09-01', pinnedAt: NOW, by: 'admin' }, false);
    expect(await reports().clientDetail('key_fedcba9876543210', {})).toMatchObject({ kind: 'api-key', pin: '2024-09-01', requests: 0 });
    expect(await reports().clientDetail('newcomer', {})).toMatchObject({ kind: 'header', pin: '2024-09-01', requests: 0 });
  });

  it('is undefined for a client the store knows nothing about', async () => {
    await fill();
    expect(await reports().clientDetail('nobody', {})).toBeUndefined();
  });

  it('takes the pin from the running gateway\'s pin book when given one', async () => {
    await fill();
    const detail = await createReports({ config, store, impact, now: () => NOW, pinOf: (c) => (c === 'acme' ? '2024-09-01' : undefined) }).clientDetail('acme', {});
    expect(detail?.pin).toBe('2024-09-01');
  });
});

describe('pinsResponse', () => {
  it('lists pins by client id with RFC 3339 times', () => {
    expect(pinsResponse([
      { client: 'zeta', version: '2024-09-01', pinnedAt: NOW, by: 'admin' },
      { client: 'acme', version: '2023-06-01', pinnedAt: NOW - 1500, by: 'first-request' },
    ])).toEqual({ pins: [
      { client: 'acme', version: '2023-06-01', pinned_at: '2025-06-15T11:59:58.500Z', by: 'first-request' },
      { client: 'zeta', version: '2024-09-01', pinned_at: '2025-06-15T12:00:00.000Z', by: 'admin' },
    ] });
  });
});

describe('time parameters', () => {
  it('reads dates, date-times with offsets, relative times and now', () => {
    expect(parseInstant('2025-06-01', NOW)).toBe(Date.parse('2025-06-01T00:00:00Z'));
    expect(parseInstant('2025-06-01T12:30:00Z', NOW)).toBe(Date.parse('2025-06-01T12:30:00Z'));
    expect(parseInstant('2025-06-01T12:30:00.250+02:00', NOW)).toBe(Date.parse('2025-06-01T10:30:00.250Z'));
    // An unencoded `+` in a query string arrives as a space.
    expect(parseInstant('2025-06-01T12:30:00 02:00', NOW)).toBe(Date.parse('2025-06-01T10:30:00Z'));
    expect(parseInstant('24h', NOW)).toBe(NOW - DAY);
    expect(parseInstant('7d', NOW)).toBe(NOW - 7 * DAY);
    expect(parseInstant('2w', NOW)).toBe(NOW - 14 * DAY);
    expect(parseInstant('30m', NOW)).toBe(NOW - 30 * 60_000);
    expect(parseInstant('now', NOW)).toBe(NOW);
  });

  it('refuses what is not an instant', () => {
    for (const bad of ['', 'yesterday', '2025-02-30', '2025-06-01T25:00:00Z', '2025-06-01T12:00:00', '7', '7y', '-7d', '1.5h', '2025-02-30T00:00:00Z', '99999999w']) {
      expect([bad, parseInstant(bad, NOW)]).toEqual([bad, undefined]);
    }
  });

  it('reads steps as whole minutes, hours, days or weeks', () => {
    expect([parseStep('1m'), parseStep('15m'), parseStep('1h'), parseStep('1d'), parseStep('1w')]).toEqual([60_000, 900_000, HOUR, DAY, 7 * DAY]);
    expect([parseStep('0h'), parseStep('30s'), parseStep('1.5h'), parseStep('h')]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('chooses the finest step with at most 200 points, and days once the range reaches rolled-up data', () => {
    const recent = NOW - 30 * DAY;
    expect(autoStep(NOW - 3 * HOUR, NOW, recent)).toBe(60_000);
    expect(autoStep(NOW - 2 * DAY, NOW, recent)).toBe(15 * 60_000);
    expect(autoStep(NOW - 7 * DAY, NOW, recent)).toBe(HOUR);
    expect(autoStep(NOW - 20 * DAY, NOW, recent)).toBe(6 * HOUR);
    expect(autoStep(NOW - 45 * DAY, NOW, recent)).toBe(DAY);
    expect(autoStep(NOW - 400 * DAY, NOW, recent)).toBe(7 * DAY);
  });

  it('rounds days to sunset up, with no negative zero', () => {
    expect(daysToSunset(NOW + 1.2 * DAY, NOW)).toBe(2);
    expect(daysToSunset(NOW + DAY, NOW)).toBe(1);
    expect(Object.is(daysToSunset(NOW - 0.5 * DAY, NOW), 0)).toBe(true);
    expect(daysToSunset(NOW - 1.5 * DAY, NOW)).toBe(-1);
  });
});
