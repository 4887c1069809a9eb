/**
 * The SQLite store: the shared contract on an in-memory database and on a file, plus what only a
 * file has: its folder is created, WAL mode, and a second connection (another process such as
 * `verso report` or `verso pin`) reads and writes the same file.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../gateway/usage/store/open.js';
import { changedPinsSql, migrations } from '../../gateway/usage/store/sql.js';
import type { UsageStore } from '../../gateway/usage/store/types.js';
import { T0, row, storeContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'verso-sqlite-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract('SQLite (memory)', async () => {
  const store = openStore({ kind: 'sqlite', file: ':memory:' });
  await store.init();
  return store;
});

storeContract('SQLite (file)', async () => {
  const store = openStore({ kind: 'sqlite', file: join(dir, `contract-${++files}.db`) });
  await store.init();
  return store;
});

describe('SQLite store', () => {
  const opened: UsageStore[] = [];
  const open = async (file: string): Promise<UsageStore> => {
    const store = openStore({ kind: 'sqlite', file });
    opened.push(store);
    await store.init();
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('creates the file and its missing folders on first start, in WAL mode', async () => {
    const file = join(dir, 'missing', 'deeper', 'usage.db');
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    await open(file);
    expect(existsSync(file)).toBe(true);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: 3 }]);
    } finally {
      db.close();
    }
  });

  it('upgrades a version-2 store in place: its pins kept, changed pins read through the (pinned_at, client) index', async () => {
    const file = join(dir, 'v2.db');
    const db = new Database(file);
    for (const statement of migrations('sqlite').slice(0, 2).flat()) db.exec(statement);
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (2)');
    db.prepare('INSERT INTO pins VALUES (?, ?, ?, ?)').run('a', '2024-01-01', T0, 'admin');
    db.close();
    const store = await open(file);
    expect(await store.changedPins(T0 - 1, undefined, 10)).toEqual([{ client: 'a', version: '2024-01-01', pinnedAt: T0, by: 'admin' }]);
    const check = new Database(file, { readonly: true });
    try {
      expect(check.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: 3 }]);
      expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pins' AND sql IS NOT NULL").all()).toEqual([{ name: 'pins_changed' }]);
      const plan = check.prepare(`EXPLAIN QUERY PLAN ${changedPinsSql('sqlite').pins}`).all(T0, '', 10) as { detail: string }[];
      expect(plan.map((p) => p.detail).join("; ")).toMatch(/USING INDEX pins_changed \(\(pinned_at,client\)>\(\?,\?\)\)/);
      expect(plan.map((p) => p.detail).join('; ')).not.toMatch(/TEMP B-TREE/);
    } finally {
      check.close();
    }
  });

  it('shares one file between two connections, as the gateway and `verso pin` do', async () => {
    const file = join(dir, 'shared.db');
    const gateway = await open(file);
    const cli = await open(file);
    await gateway.write({ rows: [row({ client: 'a', bucket: T0, count: 4 })], clients: [{ id: 'a', kind: 'header' }] });
    await cli.write({ rows: [row({ client: 'a', bucket: T0, count: 6 })], clients: [] });
    await cli.setPin({ client: 'a', version: '2024-01-01', pinnedAt: T0, by: 'admin' }, false);
    expect(await gateway.summarize({}, ['client'])).toEqual([{ client: 'a', count: 10, firstSeen: T0, lastSeen: T0 }]);
    expect(await gateway.listPins()).toEqual([{ client: 'a', version: '2024-01-01', pinnedAt: T0, by: 'admin' }]);
  });

  it('waits for another process to release the write lock instead of failing', async () => {
    const file = join(dir, 'locked.db');
    const store = await open(file);
    // Another process takes the write lock, holds it for 300 ms, then commits.
    const holder = spawn(process.execPath, ['-e', `
      const db = new (require('better-sqlite3'))(${JSON.stringify(file)});
      db.exec('BEGIN IMMEDIATE');
      db.exec("INSERT INTO pins VALUES ('held', 'v1', 1, 'admin')");
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);
    `], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(holder, 'exit');
    await once(holder.stdout!, 'data');
    const started = Date.now();
    await store.write({ rows: [row({ client: 'a', bucket: T0, count: 1 })], clients: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await exited;
    expect(await store.summarize({}, [])).toEqual([{ count: 1, firstSeen: T0, lastSeen: T0 }]);
    expect((await store.listPins()).map((p) => p.client)).toEqual(['held']);
  });

  it('rejects calls before init and after close', async () => {
    const store = openStore({ kind: 'sqlite', file: ':memory:' });
    await expect(store.listPins()).rejects.toThrow(/before init/);
    await store.init();
    await store.close();
    await expect(store.write({ rows: [], clients: [] })).rejects.toThrow(/after close/);
    await store.close();
  });

  it('refuses a database whose schema is newer than this gateway', async () => {
    const file = join(dir, 'future.db');
    const db = new Database(file);
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (99)');
    db.close();
    const store = openStore({ kind: 'sqlite', file });
    opened.push(store);
    await expect(store.init()).rejects.toThrow(/schema is version 99, newer than this gateway knows \(3\)/);
  });
});
