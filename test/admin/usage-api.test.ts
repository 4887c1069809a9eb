import { resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerUsageRoutes } from '../../gateway/admin/usage-routes.js';
import { loadConfigFile } from '../../gateway/config/load.js';
import type { GatewayConfig } from '../../gateway/config/types.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { createImpact, type Impact } from '../../gateway/usage/impact.js';
import { PinBook } from '../../gateway/usage/pins.js';
import { SqliteStore } from '../../gateway/usage/store/sqlite.js';
import type { UsageRow } from '../../gateway/usage/store/types.js';
import type { DeprecatedReport } from '../../gateway/usage/api-types.js';

// The demo configuration: 2023-06-01 (v1) and 2024-01-01 (v2) deprecated at NOW, 2025-06-01 (v4) the head.
const NOW = Date.parse('2025-06-15T12:00:00Z');
const PROBLEM = 'application/problem+json; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const SUPPORTED = ['2023-06-01', '2024-01-01', '2024-09-01', '2025-06-01'];

let config: GatewayConfig;
let impact: Impact;
let store: SqliteStore;
let pins: PinBook;
let admin: FastifyInstance;
let now: number;

beforeAll(async () => {
  config = loadConfigFile(resolve(import.meta.dirname, '../../gateway.yaml'), { env: {} });
  impact = createImpact(await loadTranslator(config));
});

beforeEach(async () => {
  now = NOW;
  store = new SqliteStore(':memory:');
  await store.init();
  pins = new PinBook(store, { refreshMs: 60_000, logger: pino({ level: 'silent' }), now: () => now, versions: config.versions });
  admin = Fastify({ genReqId: () => 'req-test' });
  registerUsageRoutes(admin, { config, store, pins, impact, now: () => now });
  await admin.ready();
});

afterEach(async () => {
  await admin.close();
  await pins.close();
  await store.close();
});

function row(client: string, version: string, operation: string, bucket: string, count: number): UsageRow {
  const start = Date.parse(bucket);
  return { client, version, source: 'header', operation, statusClass: '2xx', granularity: 'minute', bucket: start, count, firstSeen: start + 1000, lastSeen: start + 59_000 };
}

async function fill(): Promise<void> {
  await store.write({
    clients: [{ id: 'acme', kind: 'header' }, { id: 'team/α b', kind: 'header' }, { id: '10.0.0.7', kind: 'remote-address' }],
    rows: [
      row('acme', '2023-06-01', 'GET /orders/{id}', '2025-06-14T10:00:00Z', 120),
      row('acme', '2025-06-01', 'GET /orders', '2025-06-15T11:00:00Z', 50),
      row('team/α b', '2024-01-01', 'GET /customers/{id}', '2025-06-13T08:00:00Z', 40),
      row('10.0.0.7', '2025-06-01', 'GET /orders/*', '2025-06-15T10:00:00Z', 7),
    ],
  });
}

function problem(code: string, type: string, title: string, status: number, detail: string, extensions: Record<string, unknown> = {}) {
  return { type: `https://verso.dev/problems/${type}`, title, status, detail, code, ...extensions, request_id: 'req-test' };
}

function invalidQuery(parameter: string, detail: string, extensions: Record<string, unknown> = {}) {
  return problem('VERSO_INVALID_QUERY', 'invalid-query', 'Invalid query parameter', 400, detail, { parameter, ...extensions });
}

async function get(url: string) {
  const res = await admin.inject(url);
  return { status: res.statusCode, type: res.headers['content-type'], body: res.json() as unknown };
}

describe('GET /usage', () => {
  it('reports the last 7 days by version by default', async () => {
    await fill();
    expect(await get('/usage')).toEqual({
      status: 200,
      type: JSON_TYPE,
      body: {
        from: '2025-06-08T12:00:00.000Z',
        to: '2025-06-15T12:00:00.000Z',
        by: 'version',
        total_requests: 217,
        group_count: 3,
        groups: [
          { key: '2023-06-01', deprecated: true, requests: 120, first_seen: '2025-06-14T10:00:01.000Z', last_seen: '2025-06-14T10:00:59.000Z' },
          { key: '2025-06-01', deprecated: false, requests: 57, first_seen: '2025-06-15T10:00:01.000Z', last_seen: '2025-06-15T11:00:59.000Z' },
          { key: '2024-01-01', deprecated: true, requests: 40, first_seen: '2025-06-13T08:00:01.000Z', last_seen: '2025-06-13T08:00:59.000Z' },
        ],
      },
    });
  });

  it('groups by client over a relative range, filtered by versions given as aliases, repeated or comma-separated', async () => {
    await fill();
    const expected = {
      from: '2025-06-13T12:00:00.000Z',
      to: '2025-06-15T12:00:00.000Z',
      by: 'client',
      total_requests: 177,
      group_count: 2,
      groups: [
        { key: 'acme', requests: 170, first_seen: '2025-06-14T10:00:01.000Z', last_seen: '2025-06-15T11:00:59.000Z' },
        { key: '10.0.0.7', requests: 7, first_seen: '2025-06-15T10:00:01.000Z', last_seen: '2025-06-15T10:00:59.000Z' },
      ],
    };
    expect((await get('/usage?by=client&from=48h&version=v1&version=2025-06-01')).body).toEqual(expected);
    expect((await get('/usage?by=client&from=2d&version=v1,v4')).body).toEqual(expected);
  });

  it('groups by operation for one client between absolute instants, cut at the limit', async () => {
    await fill();
    expect((await get('/usage?by=operation&client=acme&from=2025-06-14&to=2025-06-15T11:30:00Z&limit=1')).body).toEqual({
      from: '2025-06-14T00:00:00.000Z',
      to: '2025-06-15T11:30:00.000Z',
      by: 'operation',
      total_requests: 170,
      group_count: 2,
      groups: [{ key: 'GET /orders/{id}', requests: 120, first_seen: '2025-06-14T10:00:01.000Z', last_seen: '2025-06-14T10:00:59.000Z' }],
    });
  });

  it('takes a limit with leading zeros, up to six digits, as before the route schemas', async () => {
    await fill();
    expect((await get('/usage?limit=000002')).body).toMatchObject({ group_count: 3, groups: [{ key: '2023-06-01' }, { key: '2025-06-01' }] });
    expect((await get('/usage?limit=10000')).status).toBe(200);
  });

  it('reports the 7 days before "to" when only "to" is given', async () => {
    expect((await get('/usage?to=2025-06-01')).body).toEqual({ from: '2025-05-25T00:00:00.000Z', to: '2025-06-01T00:00:00.000Z', by: 'version', total_requests: 0, group_count: 0, groups: [] });
  });

  it.each([
    ['by=week', 'by', '"by" must be one of version, client, operation; got "week".'],
    ['from=yesterday', 'from', '"from" must be an RFC 3339 date or date-time (2025-06-01, 2025-06-01T12:00:00Z) or a time before now (30m, 24h, 7d, 2w); got "yesterday".'],
    ['to=2025-02-30', 'to', '"to" must be an RFC 3339 date or date-time (2025-06-01, 2025-06-01T12:00:00Z) or a time before now (30m, 24h, 7d, 2w); got "2025-02-30".'],
    ['from=1d&to=2d', 'from', '"from" (2025-06-14T12:00:00.000Z) must be before "to" (2025-06-13T12:00:00.000Z).'],
    ['from=2025-06-10&to=2025-06-10', 'from', '"from" (2025-06-10T00:00:00.000Z) must be before "to" (2025-06-10T00:00:00.000Z).'],
    ['from=1d&from=2d', 'from', '"from" is given 2 times; give it once.'],
    ['limit=0', 'limit', '"limit" must be a whole number from 1 to 10000; got "0".'],
    ['limit=10001', 'limit', '"limit" must be a whole number from 1 to 10000; got "10001".'],
    ['limit=ten', 'limit', '"limit" must be a whole number from 1 to 10000; got "ten".'],
    ['limit=1e3', 'limit', '"limit" must be a whole number from 1 to 10000; got "1e3".'],
    ['limit=0000001', 'limit', '"limit" must be a whole number from 1 to 10000; got "0000001".'],
    ['by=client&by=version', 'by', '"by" is given 2 times; give it once.'],
    ['client=', 'client', '"client" must not be empty; give a client id, or leave the parameter out for every client.'],
    ['form=7d', 'form', 'Unknown query parameter "form"; /usage accepts by, from, to, version, client, limit.'],
  ])('answers 400 invalid-query for %s, naming the parameter and what is valid', async (query, parameter, detail) => {
    expect(await get(`/usage?${query}`)).toEqual({ status: 400, type: PROBLEM, body: invalidQuery(parameter, detail) });
  });

  it('answers 400 for an unknown version, listing the supported ones', async () => {
    expect(await get('/usage?version=v1,v9')).toEqual({
      status: 400,
      type: PROBLEM,
      body: invalidQuery('version', 'Unknown version "v9" in "version". Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.', { supported_versions: SUPPORTED }),
    });
  });
});

describe('GET /usage/series', () => {
  it('counts per version per step, oldest version first', async () => {
    await fill();
    expect(await get('/usage/series?from=2025-06-14&to=2025-06-16&step=1d')).toEqual({
      status: 200,
      type: JSON_TYPE,
      body: {
        from: '2025-06-14T00:00:00.000Z',
        to: '2025-06-16T00:00:00.000Z',
        step_seconds: 86400,
        buckets: ['2025-06-14T00:00:00.000Z', '2025-06-15T00:00:00.000Z'],
        versions: [
          { version: '2023-06-01', deprecated: true, counts: [120, 0] },
          { version: '2025-06-01', deprecated: false, counts: [0, 57] },
        ],
      },
    });
  });

  it('chooses hourly steps for the default 7 days', async () => {
    await fill();
    const { body } = await get('/usage/series') as { body: { step_seconds: number; buckets: string[]; versions: { version: string }[] } };
    expect([body.step_seconds, body.buckets.length, body.versions.map((v) => v.version)]).toEqual([3600, 168, ['2023-06-01', '2024-01-01', '2025-06-01']]);
  });

  it.each([
    ['step=90s', 'step', '"step" must be a whole number of minutes, hours, days or weeks (1m, 15m, 1h, 1d, 1w); got "90s".'],
    ['step=0h', 'step', '"step" must be a whole number of minutes, hours, days or weeks (1m, 15m, 1h, 1d, 1w); got "0h".'],
    ['step=1m&from=2025-01-01', 'step', '"step" 1m gives 238320 points over this range; at most 10000 are allowed. Use a larger step or a shorter range.'],
    ['from=soon', 'from', '"from" must be an RFC 3339 date or date-time (2025-06-01, 2025-06-01T12:00:00Z) or a time before now (30m, 24h, 7d, 2w); got "soon".'],
    ['by=client', 'by', 'Unknown query parameter "by"; /usage/series accepts from, to, step, version, client.'],
  ])('answers 400 invalid-query for %s', async (query, parameter, detail) => {
    expect(await get(`/usage/series?${query}`)).toEqual({ status: 400, type: PROBLEM, body: invalidQuery(parameter, detail) });
  });
});

describe('GET /usage/deprecated', () => {
  it('lists every deprecated version with its clients and their impact', async () => {
    await fill();
    expect(await get('/usage/deprecated?limit=5')).toEqual({
      status: 200,
      type: JSON_TYPE,
      body: {
        generated_at: '2025-06-15T12:00:00.000Z',
        from: '2025-06-08T12:00:00.000Z',
        to: '2025-06-15T12:00:00.000Z',
        head: '2025-06-01',
        total_requests: 217,
        deprecated_requests: 160,
        deprecated_share: 160 / 217,
        deprecated_client_count: 2,
        versions: [
          {
            version: '2023-06-01', status: 'deprecated', deprecated_since: '2024-06-01', sunset: '2025-12-31', days_to_sunset: 199, successor: '2025-06-01',
            requests: 120, client_count: 1,
            clients: [{
              client: 'acme', kind: 'header', requests: 120, first_seen: '2025-06-14T10:00:01.000Z', last_seen: '2025-06-14T10:00:59.000Z',
              operations: [{ operation: 'GET /orders/{id}', requests: 120, last_seen: '2025-06-14T10:00:59.000Z' }],
              impact: [
                '2024-01-01/order-created-at', '2024-09-01/order-amount-minor-units', '2024-09-01/customer-full-name', '2024-09-01/error-code',
                '2025-06-01/order-customer-id', '2025-06-01/order-status-canceled',
              ].map((id) => ({ change: id, version: id.slice(0, 10), description: expect.any(String), operations: ['GET /orders/{id}'] })),
            }],
          },
          {
            version: '2024-01-01', status: 'deprecated', deprecated_since: '2025-06-01', sunset: '2027-01-31', days_to_sunset: 595, successor: '2025-06-01',
            requests: 40, client_count: 1,
            clients: [{
              client: 'team/α b', kind: 'header', requests: 40, first_seen: '2025-06-13T08:00:01.000Z', last_seen: '2025-06-13T08:00:59.000Z',
              operations: [{ operation: 'GET /customers/{id}', requests: 40, last_seen: '2025-06-13T08:00:59.000Z' }],
              impact: [
                { change: '2024-09-01/customer-full-name', version: '2024-09-01', description: 'Customer.full_name is renamed name.', operations: ['GET /customers/{id}'] },
                { change: '2024-09-01/error-code', version: '2024-09-01', description: 'The machine-readable error field error.type is renamed error.code.', operations: ['GET /customers/{id}'] },
              ],
            }],
          },
        ],
      },
    });
  });

  it('counts a client on two deprecated versions once among the clients on deprecated versions', async () => {
    await fill();
    await store.write({
      clients: [],
      rows: [
        row('acme', '2024-01-01', 'GET /orders', '2025-06-14T11:00:00Z', 3),
        row('team/α b', '2023-06-01', 'GET /orders', '2025-06-14T11:00:00Z', 2),
        row('10.0.0.7', '2025-06-01', 'GET /orders', '2025-06-14T11:00:00Z', 1),
      ],
    });
    const { body } = await get('/usage/deprecated') as { body: DeprecatedReport };
    // acme and team/α b each call both deprecated versions: four (client, version) pairs, two clients.
    expect(body.versions.map((v) => [v.version, v.client_count, v.requests])).toEqual([['2023-06-01', 2, 122], ['2024-01-01', 2, 43]]);
    expect([body.deprecated_client_count, body.deprecated_requests]).toEqual([2, 165]);
  });

  it('counts no client on deprecated versions when only the head is called', async () => {
    await store.write({ clients: [], rows: [row('acme', '2025-06-01', 'GET /orders', '2025-06-14T11:00:00Z', 9)] });
    expect((await get('/usage/deprecated')).body).toMatchObject({ total_requests: 9, deprecated_requests: 0, deprecated_client_count: 0 });
  });

  it.each([
    ['limit=-1', 'limit', '"limit" must be a whole number from 1 to 10000; got "-1".'],
    ['from=7x', 'from', '"from" must be an RFC 3339 date or date-time (2025-06-01, 2025-06-01T12:00:00Z) or a time before now (30m, 24h, 7d, 2w); got "7x".'],
    ['version=v1', 'version', 'Unknown query parameter "version"; /usage/deprecated accepts from, to, limit.'],
  ])('answers 400 invalid-query for %s', async (query, parameter, detail) => {
    expect(await get(`/usage/deprecated?${query}`)).toEqual({ status: 400, type: PROBLEM, body: invalidQuery(parameter, detail) });
  });
});

describe('GET /usage/clients/:id', () => {
  it('shows one client, its id URL-decoded, with its pin', async () => {
    await fill();
    await pins.set('team/α b', '2024-01-01');
    expect(await get(`/usage/clients/${encodeURIComponent('team/α b')}`)).toEqual({
      status: 200,
      type: JSON_TYPE,
      body: {
        client: 'team/α b',
        kind: 'header',
        pin: '2024-01-01',
        from: '2025-06-08T12:00:00.000Z',
        to: '2025-06-15T12:00:00.000Z',
        requests: 40,
        first_seen: '2025-06-13T08:00:01.000Z',
        last_seen: '2025-06-13T08:00:59.000Z',
        versions: [{ version: '2024-01-01', deprecated: true, requests: 40, last_seen: '2025-06-13T08:00:59.000Z' }],
        operations: [{ operation: 'GET /customers/{id}', version: '2024-01-01', requests: 40, last_seen: '2025-06-13T08:00:59.000Z' }],
        impact: [{
          version: '2024-01-01',
          changes: [
            { change: '2024-09-01/customer-full-name', version: '2024-09-01', description: 'Customer.full_name is renamed name.', operations: ['GET /customers/{id}'] },
            { change: '2024-09-01/error-code', version: '2024-09-01', description: 'The machine-readable error field error.type is renamed error.code.', operations: ['GET /customers/{id}'] },
          ],
        }],
      },
    });
  });

  it('limits the drill-down to the range asked for', async () => {
    await fill();
    expect((await get('/usage/clients/acme?from=2025-06-15')).body).toMatchObject({ requests: 50, versions: [{ version: '2025-06-01' }], impact: [] });
  });

  it('answers 404 for a client the store knows nothing about', async () => {
    expect(await get('/usage/clients/nobody')).toEqual({
      status: 404,
      type: PROBLEM,
      body: problem('VERSO_UNKNOWN_CLIENT', 'unknown-client', 'Unknown client', 404, 'The usage store knows no client "nobody": no requests recorded, no pin.', { client: 'nobody' }),
    });
  });

  it('answers 400 for a bad range', async () => {
    expect((await get('/usage/clients/acme?to=later')).body).toEqual(invalidQuery('to', '"to" must be an RFC 3339 date or date-time (2025-06-01, 2025-06-01T12:00:00Z) or a time before now (30m, 24h, 7d, 2w); got "later".'));
  });
});

describe('pins', () => {
  const put = (client: string, payload: unknown, headers: Record<string, string> = {}) =>
    admin.inject({ method: 'PUT', url: `/pins/${encodeURIComponent(client)}`, payload: payload as string, headers });

  it('sets a pin from an id, an alias or a date (the closest earlier version), lists it and clears it', async () => {
    expect(await get('/pins')).toEqual({ status: 200, type: JSON_TYPE, body: { pins: [] } });

    const set = await put('acme', { version: 'v2' });
    expect([set.statusCode, set.json()]).toEqual([200, { client: 'acme', version: '2024-01-01', pinned_at: '2025-06-15T12:00:00.000Z', by: 'admin' }]);
    now += 1000;
    expect((await put('team/α b', { version: '2024-10-15' })).json()).toEqual({ client: 'team/α b', version: '2024-09-01', pinned_at: '2025-06-15T12:00:01.000Z', by: 'admin' });
    expect(pins.get('team/α b')).toBe('2024-09-01');

    expect(await get('/pins')).toEqual({
      status: 200,
      type: JSON_TYPE,
      body: { pins: [
        { client: 'acme', version: '2024-01-01', pinned_at: '2025-06-15T12:00:00.000Z', by: 'admin' },
        { client: 'team/α b', version: '2024-09-01', pinned_at: '2025-06-15T12:00:01.000Z', by: 'admin' },
      ] },
    });

    const cleared = await admin.inject({ method: 'DELETE', url: `/pins/${encodeURIComponent('team/α b')}` });
    expect([cleared.statusCode, cleared.body]).toEqual([204, '']);
    expect(pins.get('team/α b')).toBeUndefined();
    expect((await get('/pins')).body).toEqual({ pins: [{ client: 'acme', version: '2024-01-01', pinned_at: '2025-06-15T12:00:00.000Z', by: 'admin' }] });
  });

  it('replaces an existing pin', async () => {
    await put('acme', { version: 'v1' });
    expect((await put('acme', { version: '2025-06-01' })).json()).toMatchObject({ version: '2025-06-01' });
    expect(await store.listPins()).toEqual([{ client: 'acme', version: '2025-06-01', pinnedAt: NOW, by: 'admin' }]);
  });

  it('answers 400 invalid-query for a query parameter on /pins', async () => {
    expect(await get('/pins?client=acme')).toEqual({ status: 400, type: PROBLEM, body: invalidQuery('client', 'Unknown query parameter "client"; /pins takes none.') });
  });

  it('answers 404 pin-not-found for clearing a client without a pin', async () => {
    const res = await admin.inject({ method: 'DELETE', url: '/pins/acme' });
    expect([res.statusCode, res.headers['content-type'], res.json()]).toEqual([404, PROBLEM, problem('VERSO_PIN_NOT_FOUND', 'pin-not-found', 'No pin for this client', 404, '"acme" has no pin.', { client: 'acme' })]);
  });

  it('answers 400 invalid-pin for an unknown version, listing the supported ones', async () => {
    const res = await put('acme', { version: 'v9' });
    expect([res.statusCode, res.headers['content-type'], res.json()]).toEqual([400, PROBLEM, problem('VERSO_INVALID_PIN', 'invalid-pin', 'Invalid pin', 400,
      'Cannot pin "acme" to unknown version "v9". Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.', { supported_versions: SUPPORTED })]);
    expect((await put('acme', { version: '2020-01-01' })).json().detail).toBe('Cannot pin "acme" to unknown version "2020-01-01" (it is before the first version, 2023-06-01). Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.');
    expect(await store.listPins()).toEqual([]);
  });

  it('answers 400 invalid-pin for a sunset version, listing the versions still served', async () => {
    now = Date.parse('2026-01-10T00:00:00Z');
    const res = await put('acme', { version: 'v1' });
    expect([res.statusCode, res.json()]).toEqual([400, problem('VERSO_INVALID_PIN', 'invalid-pin', 'Invalid pin', 400,
      'Cannot pin "acme" to 2023-06-01: it is sunset, so every request would get 410 Gone. Versions still served: 2024-01-01, 2024-09-01, 2025-06-01.', { supported_versions: ['2024-01-01', '2024-09-01', '2025-06-01'] })]);
  });

  it.each([
    ['a string version missing', { v: '2024-01-01' }],
    ['a number', { version: 2024 }],
    ['an extra key', { version: 'v2', note: 'x' }],
    ['an array', ['v2']],
  ])('answers 400 invalid-pin for a body with %s', async (_what, body) => {
    const res = await put('acme', body);
    expect([res.statusCode, res.json()]).toEqual([400, problem('VERSO_INVALID_PIN', 'invalid-pin', 'Invalid pin', 400, 'The body must be JSON such as {"version": "2024-09-01"}: a version id, alias or date.')]);
  });

  it('answers 400 invalid-pin for a body that is not JSON', async () => {
    const res = await put('acme', '{"version":', { 'content-type': 'application/json' });
    expect([res.statusCode, res.headers['content-type'], res.json().code]).toEqual([400, PROBLEM, 'VERSO_INVALID_PIN']);
    expect(res.json().detail).toMatch(/^The body could not be read: .+\. The body must be JSON such as \{"version": "2024-09-01"\}: a version id, alias or date\.$/);
  });

  it('manages the store\'s pins directly when the gateway runs without a pin book', async () => {
    const bare = Fastify({ genReqId: () => 'req-test' });
    registerUsageRoutes(bare, { config, store, impact, now: () => now });
    const set = await bare.inject({ method: 'PUT', url: '/pins/acme', payload: { version: 'v3' } });
    expect([set.statusCode, set.json()]).toEqual([200, { client: 'acme', version: '2024-09-01', pinned_at: '2025-06-15T12:00:00.000Z', by: 'admin' }]);
    expect((await bare.inject('/usage/clients/acme')).json()).toMatchObject({ client: 'acme', pin: '2024-09-01' });
    expect((await bare.inject({ method: 'DELETE', url: '/pins/acme' })).statusCode).toBe(204);
    await bare.close();
  });
});

describe('when the store rejects', () => {
  it.each([
    ['GET', '/usage'],
    ['GET', '/usage/series'],
    ['GET', '/usage/deprecated'],
    ['GET', '/usage/clients/acme'],
    ['GET', '/pins'],
    ['PUT', '/pins/acme'],
    ['DELETE', '/pins/acme'],
  ] as const)('%s %s answers 503 store-unavailable', async (method, url) => {
    await store.close();
    const res = await admin.inject({ method, url, ...(method === 'PUT' ? { payload: { version: 'v2' } } : {}) });
    expect([res.statusCode, res.headers['content-type'], res.json()]).toEqual([503, PROBLEM, problem('VERSO_STORE_UNAVAILABLE', 'store-unavailable', 'Usage store unavailable', 503,
      'The usage store (sqlite) did not answer; try again shortly. The cause is in the gateway\'s log.')]);
  });

  it('answers again once the store is back', async () => {
    await store.close();
    expect((await admin.inject('/usage')).statusCode).toBe(503);
    await store.init();
    expect((await admin.inject('/usage')).statusCode).toBe(200);
  });
});
