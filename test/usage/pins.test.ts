/**
 * The pin book against a real SQLite store. Two books on one store file stand for two gateway
 * replicas (and a plain store on the same file for `verso pin`). Faults are injected by wrapping
 * the real store's methods, not by mocking it.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { adminPin, PinBook, SunsetPin, type PinBookOptions } from '../../gateway/usage/pins.js';
import { loadConfigText } from '../../gateway/config/load.js';
import { until } from '../helpers/net.js';
import { shopConfig } from '../helpers/servers.js';
import { openStore } from '../../gateway/usage/store/open.js';
import type { UsageStore } from '../../gateway/usage/store/types.js';
import { T0 } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'verso-pins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Fault { down: boolean; setPins: number }

/** The real store; while `fault.down` every method rejects as an unreachable server would. */
function withFaults(store: UsageStore, fault: Fault): UsageStore {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (prop === 'setPin') fault.setPins++;
        if (fault.down && prop !== 'close') throw new Error('store unreachable (injected)');
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The real store, telling `seen` about every call it gets (method and arguments) before making it. */
function watched(store: UsageStore, seen: (method: string, args: unknown[]) => void): UsageStore {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        seen(String(prop), args);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function openFile(file: string): Promise<UsageStore> {
  const store = openStore({ kind: 'sqlite', file });
  await store.init();
  cleanups.push(() => store.close());
  return store;
}

/** A store file, a plain store on it (`verso pin`), and a factory of pin books on their own connections (replicas). */
async function setup() {
  const file = join(dir, `pins-${++files}.db`);
  const cli = await openFile(file);
  let clock = T0;
  const now = () => clock;
  const book = async (options: Partial<PinBookOptions> = {}, fault: Fault = { down: false, setPins: 0 }) => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line)); } });
    const pins = new PinBook(withFaults(await openFile(file), fault), { refreshMs: 60_000, logger, now, writeDelayMs: 5, versions: [], ...options });
    cleanups.push(() => pins.close());
    return { pins, lines, fault };
  };
  return { cli, book, tick: (ms: number) => { clock += ms; } };
}

describe('PinBook', () => {
  it('loads the stored pins at start and answers from memory', async () => {
    const { cli, book } = await setup();
    await cli.setPin({ client: 'key_a', version: '2024-01-01', pinnedAt: T0 - 1, by: 'admin' }, false);
    const { pins } = await book();
    expect(pins.get('key_a')).toBeUndefined();
    await pins.start();
    expect(pins.get('key_a')).toBe('2024-01-01');
    expect(pins.get('key_b')).toBeUndefined();
  });

  it('pins a first request at once in memory and writes it to the store shortly after', async () => {
    const { cli, book } = await setup();
    const { pins } = await book();
    await pins.start();
    pins.pinFirst('key_a', '2024-01-01');
    expect(pins.get('key_a')).toBe('2024-01-01');
    // A later first request for the same client changes nothing.
    pins.pinFirst('key_a', '2025-06-01');
    expect(pins.get('key_a')).toBe('2024-01-01');
    await until(async () => (await cli.listPins()).length === 1);
    expect(await cli.listPins()).toEqual([{ client: 'key_a', version: '2024-01-01', pinnedAt: T0, by: 'first-request' }]);
  });

  it('pins no new client by first request once it holds pins.limit pins, counting and logging (once) what it refused', async () => {
    const { cli, book } = await setup();
    await cli.setPin({ client: 'key_admin', version: '2024-01-01', pinnedAt: T0 - 1, by: 'admin' }, false);
    let refused = 0;
    const { pins, lines } = await book({ limit: 2, onRefused: () => { refused++; } });
    await pins.start();
    pins.pinFirst('key_a', '2024-01-01');
    pins.pinFirst('key_b', '2024-01-01');
    pins.pinFirst('key_c', '2024-01-01');
    expect([pins.get('key_admin'), pins.get('key_a'), pins.get('key_b'), pins.get('key_c')]).toEqual(['2024-01-01', '2024-01-01', undefined, undefined]);
    expect(refused).toBe(2);
    expect(lines.filter((l) => l.msg.startsWith('pins.limit reached'))).toHaveLength(1);
    // An admin pin still applies past the bound.
    await pins.set('key_c', '2024-01-01');
    expect(pins.get('key_c')).toBe('2024-01-01');
  });

  it('takes the store’s pin when another replica pinned the client first', async () => {
    const { cli, book } = await setup();
    const a = await book();
    const b = await book();
    await a.pins.start();
    await b.pins.start();
    a.pins.pinFirst('key_a', '2024-01-01');
    await until(async () => (await cli.listPins()).length === 1);
    b.pins.pinFirst('key_a', '2025-06-01');
    expect(b.pins.get('key_a')).toBe('2025-06-01');
    await until(() => b.pins.get('key_a') === '2024-01-01');
    expect(await cli.listPins()).toEqual([{ client: 'key_a', version: '2024-01-01', pinnedAt: T0, by: 'first-request' }]);
  });

  it('lets two replicas that pin one client at the same moment agree on one version', async () => {
    const { cli, book } = await setup();
    const a = await book({ writeDelayMs: 60_000 });
    const b = await book({ writeDelayMs: 60_000 });
    a.pins.pinFirst('key_a', '2024-01-01');
    b.pins.pinFirst('key_a', '2025-06-01');
    await Promise.all([a.pins.list(), b.pins.list()]);
    const [stored] = await cli.listPins();
    expect(a.pins.get('key_a')).toBe(stored.version);
    expect(b.pins.get('key_a')).toBe(stored.version);
  });

  it('picks up pins set and cleared elsewhere within the refresh interval', async () => {
    const { cli, book } = await setup();
    const { pins } = await book({ refreshMs: 20 });
    await pins.start();
    await cli.setPin({ client: 'key_a', version: '2024-01-01', pinnedAt: T0, by: 'admin' }, false);
    await until(() => pins.get('key_a') === '2024-01-01', 500);
    await cli.setPin({ client: 'key_a', version: '2025-06-01', pinnedAt: T0, by: 'admin' }, false);
    await until(() => pins.get('key_a') === '2025-06-01', 500);
    await cli.clearPin('key_a');
    await until(() => pins.get('key_a') === undefined, 500);
  });

  it('refreshes by what changed since the last refresh, reading the whole set only at start and every 30th time', async () => {
    const { cli } = await setup();
    const file = (cli as unknown as { file: string }).file;
    const store = await openFile(file);
    const calls = { full: 0, changedPins: 0 };
    const counted = watched(store, (prop, args) => {
      if (prop === 'changedPins') calls.changedPins++;
      // A whole read starts at the first page.
      if (prop === 'pinPage' && args[0] === '') calls.full++;
    });
    const pins = new PinBook(counted, { refreshMs: 10, logger: pino({ level: 'silent' }), now: () => T0, writeDelayMs: 5, versions: [] });
    cleanups.push(() => pins.close());
    await pins.start();
    await cli.setPin({ client: 'key_a', version: '2024-01-01', pinnedAt: T0, by: 'admin' }, false);
    await until(() => pins.get('key_a') === '2024-01-01', 1000);
    await cli.clearPin('key_a', T0 + 1);
    await until(() => pins.get('key_a') === undefined, 1000);
    await until(() => calls.changedPins >= 30, 3000);
    expect(calls.full).toBeGreaterThanOrEqual(2);
    expect(calls.full).toBeLessThanOrEqual(Math.ceil(calls.changedPins / 29) + 1);
  });

  it('reads the whole set page by page into the pins it holds, and drops there pins the store lost without a recorded clear', async () => {
    const { cli } = await setup();
    const file = (cli as unknown as { file: string }).file;
    for (let i = 0; i < 25; i++) await cli.setPin({ client: `key_${String(i).padStart(2, '0')}`, version: '2024-01-01', pinnedAt: T0 - 1, by: 'admin' }, false);
    const store = await openFile(file);
    const pages: string[] = [];
    const counted = watched(store, (prop, args) => {
      if (prop === 'pinPage') pages.push(args[0] as string);
    });
    const pins = new PinBook(counted, { refreshMs: 10, logger: pino({ level: 'silent' }), now: () => T0, writeDelayMs: 5, versions: [], pageSize: 10 });
    cleanups.push(() => pins.close());
    await pins.start();
    // 25 pins in pages of 10: three pages, each after the last client of the one before.
    expect(pages).toEqual(['', 'key_09', 'key_19']);
    expect(pins.get('key_24')).toBe('2024-01-01');
    // Behind the incremental refresh's back (no pin_clears row, an old pinned_at): one pin deleted, one changed.
    const db = new Database(file);
    db.prepare('DELETE FROM pins WHERE client = ?').run('key_03');
    db.prepare('UPDATE pins SET version = ? WHERE client = ?').run('2025-06-01', 'key_17');
    db.close();
    await until(() => pins.get('key_03') === undefined && pins.get('key_17') === '2025-06-01', 3000);
    expect(pins.get('key_00')).toBe('2024-01-01');
    expect(pins.get('key_24')).toBe('2024-01-01');
  });

  it('reads what changed since the last refresh a page at a time too, in (pinned time, client) order, and applies clears', async () => {
    const { cli } = await setup();
    const file = (cli as unknown as { file: string }).file;
    const store = await openFile(file);
    const cursors: unknown[] = [];
    const counted = watched(store, (prop, args) => {
      if (prop === 'changedPins') cursors.push(args[1]);
    });
    const pins = new PinBook(counted, { refreshMs: 20, logger: pino({ level: 'silent' }), now: () => T0, writeDelayMs: 5, versions: [], pageSize: 10 });
    cleanups.push(() => pins.close());
    await pins.start();
    // 25 pins set elsewhere after the start, at three moments; one of them cleared again.
    for (let i = 0; i < 25; i++) await cli.setPin({ client: `key_${String(i).padStart(2, '0')}`, version: '2024-01-01', pinnedAt: T0 + 1 + (i % 3), by: 'admin' }, false);
    await cli.clearPin('key_07', T0 + 10);
    await until(() => pins.get('key_24') === '2024-01-01' && pins.get('key_07') === undefined, 2000);
    // 24 pins in pages of 10: 9 set at T0+1, then key_01 at T0+2 ends the first page; key_11 at T0+3 the second.
    await until(() => cursors.some((c) => JSON.stringify(c) === JSON.stringify({ pinnedAt: T0 + 3, client: 'key_11' })), 2000);
    expect(cursors).toContainEqual({ pinnedAt: T0 + 2, client: 'key_01' });
    for (let i = 0; i < 25; i++) if (i !== 7) expect(pins.get(`key_${String(i).padStart(2, '0')}`)).toBe('2024-01-01');
  });

  it('sets a pin in the store first, then in memory, replacing a first-request pin', async () => {
    const { cli, book, tick } = await setup();
    const { pins } = await book({ writeDelayMs: 60_000 });
    await pins.start();
    pins.pinFirst('key_a', '2024-01-01');
    tick(1_000);
    expect(await pins.set('key_a', '2025-06-01')).toEqual({ client: 'key_a', version: '2025-06-01', pinnedAt: T0 + 1_000, by: 'admin' });
    expect(pins.get('key_a')).toBe('2025-06-01');
    // The queued first-request pin is gone: closing does not write it over the admin's.
    await pins.close();
    expect(await cli.listPins()).toEqual([{ client: 'key_a', version: '2025-06-01', pinnedAt: T0 + 1_000, by: 'admin' }]);
  });

  it('clears a pin from the store and memory, and says whether there was one', async () => {
    const { cli, book } = await setup();
    const { pins } = await book({ writeDelayMs: 60_000 });
    await pins.start();
    await pins.set('key_a', '2024-01-01');
    pins.pinFirst('key_b', '2024-01-01');
    expect(await pins.clear('key_a')).toBe(true);
    expect(await pins.clear('key_a')).toBe(false);
    // Only queued, not yet written: still a pin to clear.
    expect(await pins.clear('key_b')).toBe(true);
    expect(pins.get('key_a')).toBeUndefined();
    expect(pins.get('key_b')).toBeUndefined();
    await pins.close();
    expect(await cli.listPins()).toEqual([]);
  });

  it('lists the stored pins, queued ones included', async () => {
    const { book } = await setup();
    const { pins } = await book({ writeDelayMs: 60_000 });
    await pins.start();
    await pins.set('key_b', '2025-06-01');
    pins.pinFirst('key_a', '2024-01-01');
    expect(await pins.list()).toEqual([
      { client: 'key_a', version: '2024-01-01', pinnedAt: T0, by: 'first-request' },
      { client: 'key_b', version: '2025-06-01', pinnedAt: T0, by: 'admin' },
    ]);
  });

  it('writes queued pins on close', async () => {
    const { cli, book } = await setup();
    const { pins } = await book({ writeDelayMs: 60_000 });
    await pins.start();
    pins.pinFirst('key_a', '2024-01-01');
    pins.pinFirst('key_b', '2025-06-01');
    await pins.close();
    expect((await cli.listPins()).map((p) => [p.client, p.version])).toEqual([['key_a', '2024-01-01'], ['key_b', '2025-06-01']]);
  });

  it('starts with an empty cache when the store is unreachable, keeps first-request pins, and catches up when it returns', async () => {
    const { cli, book } = await setup();
    await cli.setPin({ client: 'key_old', version: '2024-01-01', pinnedAt: T0, by: 'admin' }, false);
    const { pins, lines, fault } = await book({ refreshMs: 20 }, { down: true, setPins: 0 });
    await pins.start();
    expect(pins.get('key_old')).toBeUndefined();
    pins.pinFirst('key_new', '2025-06-01');
    await until(() => fault.setPins >= 2);
    expect(pins.get('key_new')).toBe('2025-06-01');
    fault.down = false;
    await until(() => pins.get('key_old') === '2024-01-01');
    await until(async () => (await cli.listPins()).length === 2);
    expect(pins.get('key_new')).toBe('2025-06-01');
    expect(await cli.listPins()).toEqual([
      { client: 'key_new', version: '2025-06-01', pinnedAt: T0, by: 'first-request' },
      { client: 'key_old', version: '2024-01-01', pinnedAt: T0, by: 'admin' },
    ]);
    expect(lines.filter((l) => l.level >= 30).map((l) => [l.level, l.msg])).toEqual([
      [40, 'pin store unreachable; using the pins held in memory and retrying at each refresh'],
      [30, 'pin store reachable again; pins reloaded'],
    ]);
  });

  it('rejects admin changes while the store is unreachable and leaves memory as it was', async () => {
    const { book } = await setup();
    const { pins, fault } = await book();
    await pins.start();
    await pins.set('key_a', '2024-01-01');
    fault.down = true;
    await expect(pins.set('key_a', '2025-06-01')).rejects.toThrow('store unreachable (injected)');
    await expect(pins.clear('key_a')).rejects.toThrow('store unreachable (injected)');
    expect(pins.get('key_a')).toBe('2024-01-01');
  });

  it('logs the first-request pins it could not write at close', async () => {
    const { book } = await setup();
    const { pins, lines, fault } = await book({ writeDelayMs: 60_000 });
    await pins.start();
    fault.down = true;
    pins.pinFirst('key_a', '2024-01-01');
    await pins.close();
    expect(lines.filter((l) => l.level === 50).map((l) => [l.msg, (l as unknown as { pins: number }).pins])).toEqual([
      ['pin store unreachable at shutdown: first-request pins not saved', 1],
    ]);
  });
});

describe('pins to sunset versions', () => {
  const versions = loadConfigText(shopConfig('http://127.0.0.1:1'), 'test.yaml').versions; // 2023-06-01 sunset 2025-12-31
  const JAN_2026 = Date.parse('2026-01-15T00:00:00Z');

  it('are refused by the pin book, which names the versions still served and writes nothing', async () => {
    const { cli, book } = await setup();
    const { pins } = await book({ versions, now: () => JAN_2026 });
    const refusal = await pins.set('key_a', '2023-06-01').catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(SunsetPin);
    expect({ version: (refusal as SunsetPin).version, served: (refusal as SunsetPin).served }).toEqual({ version: '2023-06-01', served: ['2024-01-01', '2024-09-01', '2025-06-01'] });
    expect({ cached: pins.get('key_a'), stored: await cli.listPins() }).toEqual({ cached: undefined, stored: [] });
  });

  it('are allowed before the sunset date, as an admin pin at that time', () => {
    expect(adminPin('key_a', '2023-06-01', versions, Date.parse('2025-12-30T00:00:00Z'))).toEqual({ client: 'key_a', version: '2023-06-01', pinnedAt: Date.parse('2025-12-30T00:00:00Z'), by: 'admin' });
    expect(() => adminPin('key_a', '2023-06-01', versions, Date.parse('2025-12-31T00:00:00Z'))).toThrow(SunsetPin);
  });
});
