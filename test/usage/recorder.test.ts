/**
 * The usage recorder against a real (in-memory SQLite) store: counts aggregate exactly, flushes
 * happen on the interval and at close, a slow flush does not block recording, a failing store
 * keeps the counts, and the buffer bound drops and reports. Store faults are injected by
 * wrapping the real store's `write`, not by mocking the store.
 */

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientIdentity } from '../../gateway/clients/identify.js';
import type { ResolutionSource } from '../../gateway/config/types.js';
import { UsageRecorder, type RecorderOptions } from '../../gateway/usage/recorder.js';
import { openStore } from '../../gateway/usage/store/open.js';
import type { Dimension, UsageBatch, UsageGroup, UsageStore } from '../../gateway/usage/store/types.js';
import { T0 } from './store-contract.js';

const M = 60_000;
const DAY = 86_400_000;
const KEY: ClientIdentity = { id: 'key_0123456789abcdef', by: 'api-key', label: 'Acme' };
const JWT: ClientIdentity = { id: 'svc-billing', by: 'jwt', verified: false };
const HEADER: ClientIdentity = { id: 'mobile-app', by: 'header' };

interface Fault { failWrites: boolean; writes: number; gate?: Promise<void>; batches: UsageBatch[] }

/** The real store, with `write` failing while `fault.failWrites` and waiting for `fault.gate` when set. */
function withFaults(store: UsageStore, fault: Fault): UsageStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'write') {
        return async (batch: UsageBatch) => {
          fault.writes++;
          fault.batches.push(batch);
          if (fault.gate) await fault.gate;
          if (fault.failWrites) throw new Error('store unreachable (injected)');
          return target.write(batch);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function capture() {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line)); } });
  return { logger, lines };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Partial<RecorderOptions> = {}) {
  const store = openStore({ kind: 'sqlite', file: ':memory:' });
  await store.init();
  const fault: Fault = { failWrites: false, writes: 0, batches: [] };
  const { logger, lines } = capture();
  const events = { failures: 0, dropped: [] as number[] };
  const recorder = new UsageRecorder(withFaults(store, fault), {
    flushIntervalMs: 60_000, bufferLimit: 100_000, rollupAfterMs: 7 * DAY, logger,
    onFlushFailure: () => events.failures++, onDropped: (n) => events.dropped.push(n),
    ...options,
  });
  cleanups.push(async () => {
    fault.failWrites = false;
    fault.gate = undefined;
    await recorder.close();
    await store.close();
  });
  return { store, fault, recorder, lines, events };
}

const total = async (store: UsageStore, by: Dimension[] = []): Promise<UsageGroup[]> => store.summarize({}, by);

describe('UsageRecorder', () => {
  it('aggregates many records into exact rows per client, version, source, operation, status class and minute', async () => {
    const { store, recorder } = await setup();
    const clients = [KEY, JWT, HEADER];
    const versions = ['2024-01-01', '2025-06-01'];
    const sources: ResolutionSource[] = ['header', 'pin', 'default'];
    const operations = ['GET /orders/{id}', 'POST /orders'];
    const statuses = [200, 201, 304, 404, 503];
    const expected = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) {
      const at = T0 + ((i * 7_919) % (3 * M));
      const c = clients[i % 3], v = versions[(i >> 1) % 2], s = sources[i % 3 === 0 ? 0 : (i >> 2) % 3], o = operations[(i >> 3) % 2], st = statuses[i % 5];
      recorder.record(c, v, s, o, st, at);
      const key = [c.id, v, s, o, `${String(st)[0]}xx`, at - (at % M)].join('|');
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    expect(recorder.bufferedRows).toBe(expected.size);
    await recorder.flush();
    expect(recorder.bufferedRows).toBe(0);

    const groups = await total(store, ['client', 'version', 'source', 'operation', 'statusClass']);
    const series = await store.series({}, M);
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(30_000);
    const byCell = new Map<string, number>();
    for (const [key, n] of expected) {
      const cell = key.split('|').slice(0, 5).join('|');
      byCell.set(cell, (byCell.get(cell) ?? 0) + n);
    }
    expect(new Map(groups.map((g) => [[g.client, g.version, g.source, g.operation, g.statusClass].join('|'), g.count]))).toEqual(byCell);
    expect(series.map((p) => p.bucket)).toEqual([T0, T0, T0 + M, T0 + M, T0 + 2 * M, T0 + 2 * M]);
    expect(await store.clients()).toEqual([
      { id: 'key_0123456789abcdef', kind: 'api-key', label: 'Acme' },
      { id: 'mobile-app', kind: 'header' },
      { id: 'svc-billing', kind: 'jwt', verified: false },
    ]);
  });

  it('flushes early, before the interval, once half the buffer holds distinct rows, rather than drop counts at the limit', async () => {
    const { store, recorder, events } = await setup({ bufferLimit: 10 });
    recorder.start();
    const burst = async (from: number) => {
      for (let i = from; i < from + 8; i++) recorder.record({ ...KEY, id: `client-${i}` }, 'v1', 'header', 'GET /a', 200, T0 + i);
      // The early flush runs off the record call (setImmediate), as the request path lets it.
      await new Promise((r) => setImmediate(r));
      for (let waited = 0; recorder.bufferedRows > 0 && waited < 400; waited++) await new Promise((r) => setTimeout(r, 5));
    };
    await burst(0);
    await burst(8);
    await recorder.flush();
    expect(events.dropped).toEqual([]);
    expect((await total(store))[0]?.count).toBe(16);
  });

  it('keeps first and last seen to the millisecond within a minute bucket', async () => {
    const { store, recorder } = await setup();
    for (const at of [T0 + 30_000, T0 + 59_999, T0 + 1, T0 + 40_000]) recorder.record(KEY, 'v1', 'header', 'GET /a', 200, at);
    await recorder.flush();
    expect(await total(store, ['client'])).toEqual([{ client: KEY.id, count: 4, firstSeen: T0 + 1, lastSeen: T0 + 59_999 }]);
    expect(await store.series({}, M)).toEqual([{ bucket: T0, version: 'v1', count: 4 }]);
  });

  it('maps status codes to their class, and anything outside 100–599 to 5xx', async () => {
    const { store, recorder } = await setup();
    for (const status of [101, 200, 299, 302, 400, 499, 500, 599, 0, 600, 999]) recorder.record(KEY, 'v1', 'header', 'GET /a', status, T0);
    await recorder.flush();
    expect((await total(store, ['statusClass'])).map((g) => [g.statusClass, g.count])).toEqual([
      ['5xx', 5], ['2xx', 2], ['4xx', 2], ['1xx', 1], ['3xx', 1],
    ]);
  });

  it('keeps recording while a slow flush is in progress; those counts go in the next flush', async () => {
    const { store, recorder, fault } = await setup();
    let open!: () => void;
    fault.gate = new Promise((resolve) => { open = resolve; });
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0);
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 1);
    const first = recorder.flush();
    await Promise.resolve();
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 2);
    recorder.record(JWT, 'v1', 'header', 'GET /a', 200, T0 + 3);
    expect(recorder.bufferedRows).toBe(3);
    // A second flush waits for the first, then writes what came in meanwhile.
    const second = recorder.flush();
    fault.gate = undefined;
    open();
    await Promise.all([first, second]);
    expect(fault.writes).toBe(2);
    expect(recorder.bufferedRows).toBe(0);
    expect(await total(store, ['client'])).toEqual([
      { client: KEY.id, count: 3, firstSeen: T0, lastSeen: T0 + 2 },
      { client: JWT.id, count: 1, firstSeen: T0 + 3, lastSeen: T0 + 3 },
    ]);
  });

  it('counts a row again after its flush into a new row, across minutes and failed flushes, never into the flushed one', async () => {
    const { store, recorder, fault } = await setup();
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0);
    await recorder.flush();
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 1);
    fault.failWrites = true;
    await expect(recorder.flush()).rejects.toThrow('injected');
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 2); // the same row, merged back
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + M); // the next minute
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 3); // the clock going back a minute
    fault.failWrites = false;
    await recorder.flush();
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 4);
    await recorder.flush();
    expect(await store.summarize({}, ['client'])).toEqual([{ client: KEY.id, count: 6, firstSeen: T0, lastSeen: T0 + M }]);
    expect(await store.series({}, M)).toEqual([
      { bucket: T0, version: 'v1', count: 5 },
      { bucket: T0 + M, version: 'v1', count: 1 },
    ]);
  });

  it('writes a client\'s record once rather than at every flush, and again when it changes', async () => {
    const { store, recorder, fault } = await setup();
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0);
    recorder.record(HEADER, 'v1', 'header', 'GET /a', 200, T0);
    await recorder.flush();
    recorder.record(KEY, 'v1', 'header', 'GET /b', 200, T0);
    await recorder.flush();
    recorder.record({ ...KEY, label: 'Acme (renamed)' }, 'v1', 'header', 'GET /c', 200, T0);
    await recorder.flush();
    expect(fault.batches.map((b) => b.clients.map((c) => `${c.id}:${c.label ?? ''}`))).toEqual([
      [`${KEY.id}:Acme`, `${HEADER.id}:`],
      [],
      [`${KEY.id}:Acme (renamed)`],
    ]);
    expect((await store.clients([KEY.id]))[0].label).toBe('Acme (renamed)');
  });

  it('flushes on the interval once started', async () => {
    const { store, recorder } = await setup({ flushIntervalMs: 20 });
    recorder.start();
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0);
    const deadline = Date.now() + 2_000;
    while ((await total(store))[0].count === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await total(store)).toEqual([{ count: 1, firstSeen: T0, lastSeen: T0 }]);
    expect(recorder.bufferedRows).toBe(0);
  });

  it('flushes everything on close', async () => {
    const { store, recorder } = await setup();
    recorder.start();
    for (let i = 0; i < 1_000; i++) recorder.record(i % 2 ? KEY : HEADER, 'v1', 'header', `GET /r${i % 10}`, 200, T0 + i);
    await recorder.close();
    expect(recorder.bufferedRows).toBe(0);
    expect(await total(store, ['client'])).toEqual([
      { client: KEY.id, count: 500, firstSeen: T0 + 1, lastSeen: T0 + 999 },
      { client: HEADER.id, count: 500, firstSeen: T0, lastSeen: T0 + 998 },
    ]);
  });

  it('keeps the counts of failed flushes and writes them all once the store answers', async () => {
    const { store, recorder, fault, lines, events } = await setup();
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0);
    await recorder.flush();
    fault.failWrites = true;
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 10);
    recorder.record(KEY, 'v1', 'header', 'GET /b', 500, T0 + 20);
    await expect(recorder.flush()).rejects.toThrow('store unreachable (injected)');
    expect(recorder.bufferedRows).toBe(2);
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 5);
    recorder.record(KEY, 'v1', 'header', 'GET /c', 200, T0 + M);
    await expect(recorder.flush()).rejects.toThrow('store unreachable (injected)');
    expect(recorder.bufferedRows).toBe(3);
    expect(events.failures).toBe(2);
    fault.failWrites = false;
    await recorder.flush();
    expect(recorder.bufferedRows).toBe(0);
    expect(await total(store, ['operation'])).toEqual([
      { operation: 'GET /a', count: 3, firstSeen: T0, lastSeen: T0 + 10 },
      { operation: 'GET /b', count: 1, firstSeen: T0 + 20, lastSeen: T0 + 20 },
      { operation: 'GET /c', count: 1, firstSeen: T0 + M, lastSeen: T0 + M },
    ]);
    // One warning when the store went away, debug while it stayed away, info when it came back.
    expect(lines.filter((l) => l.level >= 30).map((l) => [l.level, l.msg])).toEqual([
      [40, 'usage flush failed; counts stay buffered and are retried'],
      [30, 'usage store reachable again; buffered counts flushed'],
    ]);
  });

  it('writes a large flush in chunks of 1,000 rows, serving the event loop between them, and after a failed chunk writes the rest exactly once', async () => {
    const { store, recorder, fault } = await setup();
    for (let i = 0; i < 2500; i++) recorder.record({ id: `client-${i}`, by: 'header' }, 'v1', 'header', 'GET /a', 200, T0);
    // The third write fails: the first two chunks are in the store, the third is put back.
    const events: string[] = [];
    const original = fault.batches;
    let calls = 0;
    Object.defineProperty(fault, 'failWrites', { get: () => { calls++; events.push(`write ${calls}`); return calls === 3; }, configurable: true });
    setImmediate(() => events.push('event loop'));
    await expect(recorder.flush()).rejects.toThrow('store unreachable (injected)');
    expect(original.map((b) => b.rows.length)).toEqual([1000, 1000, 500]);
    expect(events.indexOf('event loop')).toBeGreaterThan(events.indexOf('write 1'));
    expect(events.indexOf('event loop')).toBeLessThan(events.indexOf('write 2'));
    expect(recorder.bufferedRows).toBe(500);
    Object.defineProperty(fault, 'failWrites', { value: false, writable: true, configurable: true });
    await recorder.flush();
    expect(await total(store)).toEqual([{ count: 2500, firstSeen: T0, lastSeen: T0 }]);
    expect(await total(store, ['client'])).toHaveLength(2500);
  });

  it('drops counts for new rows beyond the buffer bound, and reports them once per flush', async () => {
    const { store, recorder, fault, lines, events } = await setup({ bufferLimit: 3 });
    fault.failWrites = true;
    for (const op of ['GET /a', 'GET /b', 'GET /c']) recorder.record(KEY, 'v1', 'header', op, 200, T0);
    // Rows already held still count; new ones are dropped.
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 1);
    for (let i = 0; i < 5; i++) recorder.record(KEY, 'v1', 'header', `GET /new${i}`, 200, T0);
    recorder.record(JWT, 'v1', 'header', 'GET /a', 200, T0);
    expect(recorder.bufferedRows).toBe(3);
    await expect(recorder.flush()).rejects.toThrow();
    expect(events.dropped).toEqual([6]);
    // The failed batch is back in the buffer and still fills it.
    recorder.record(KEY, 'v1', 'header', 'GET /new9', 200, T0);
    await expect(recorder.flush()).rejects.toThrow();
    expect(events.dropped).toEqual([6, 1]);
    fault.failWrites = false;
    await recorder.flush();
    expect(events.dropped).toEqual([6, 1]);
    expect(await total(store, ['operation'])).toEqual([
      { operation: 'GET /a', count: 2, firstSeen: T0, lastSeen: T0 + 1 },
      { operation: 'GET /b', count: 1, firstSeen: T0, lastSeen: T0 },
      { operation: 'GET /c', count: 1, firstSeen: T0, lastSeen: T0 },
    ]);
    expect(lines.filter((l) => l.msg.startsWith('usage buffer full')).map((l) => [l.level, l.dropped, l.buffer_limit])).toEqual([
      [40, 6, 3], [40, 1, 3],
    ]);
  });

  it('counts rows a flush is still writing against the buffer bound', async () => {
    const { recorder, fault, events } = await setup({ bufferLimit: 2 });
    let open!: () => void;
    fault.gate = new Promise((resolve) => { open = resolve; });
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0);
    recorder.record(KEY, 'v1', 'header', 'GET /b', 200, T0);
    const flushing = recorder.flush();
    recorder.record(KEY, 'v1', 'header', 'GET /c', 200, T0);
    expect(recorder.bufferedRows).toBe(2);
    fault.gate = undefined;
    open();
    await flushing;
    await recorder.flush();
    expect(events.dropped).toEqual([1]);
  });

  it('retries the final flush on close, then logs the counts it could not write', async () => {
    const { recorder, fault, lines } = await setup();
    fault.failWrites = true;
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0);
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 1);
    recorder.record(KEY, 'v1', 'header', 'GET /b', 200, T0);
    const started = Date.now();
    await recorder.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_700);
    expect(fault.writes).toBe(4);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => [l.msg, l.rows, l.counts])).toEqual([['usage store unreachable at shutdown: these usage counts are lost', 2, 3]]);
  });

  it('writes on close when the store answers again within the retries', async () => {
    const { store, recorder, fault } = await setup();
    fault.failWrites = true;
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0);
    setTimeout(() => { fault.failWrites = false; }, 300);
    await recorder.close();
    expect(await total(store)).toEqual([{ count: 1, firstSeen: T0, lastSeen: T0 }]);
  });

  it('rolls minute rows older than rollupAfter into days when it starts', async () => {
    const now = T0 + 10 * DAY + 10 * M;
    const { store, recorder } = await setup({ rollupAfterMs: 7 * DAY, now: () => now });
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 3 * DAY + 7 * M);
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 3 * DAY + 9 * M);
    recorder.record(KEY, 'v1', 'header', 'GET /a', 200, T0 + 9 * DAY);
    await recorder.flush();
    recorder.start();
    const deadline = Date.now() + 2_000;
    while ((await store.series({}, M)).length === 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await store.series({}, M)).toEqual([
      { bucket: T0 + 3 * DAY, version: 'v1', count: 2 },
      { bucket: T0 + 9 * DAY, version: 'v1', count: 1 },
    ]);
  });
});
