/**
 * The embedded usage store: one SQLite file (DESIGN.md "Stores", the zero-set-up default).
 *
 * WAL mode lets `verso report` read while the gateway writes, and `busy_timeout` makes a second
 * process (`verso pin`) wait for the write lock instead of failing. better-sqlite3 is synchronous:
 * the methods are async to fit `UsageStore`, but the work happens before they return. Each write
 * batch is one transaction of prepared single-row upserts, the fastest way to write SQLite.
 */

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ClientInfo, PinCursor, Dimension, Pin, SeriesPoint, UsageBatch, UsageFilter, UsageGroup, UsageStore } from './types.js';
import {
  CLIENT_COLUMNS, LIST_PINS_SQL, SCHEMA_VERSION_TABLE, changedPinsSql, pinPageSql, toCleared, clientUpsertSql, clientValues, pendingMigrations,
  rollupInsertSql, seriesSql, setPinSql, summarizeSql, toClient, toGroup, toPin, toPoint, usageRowValues,
  usageUpsertSql,
} from './sql.js';

/** How long a statement waits for another process's write lock before failing (ms). */
const BUSY_TIMEOUT_MS = 5_000;
/** Prepared statements kept; summaries with many different filters could otherwise grow the cache forever. */
const MAX_CACHED_STATEMENTS = 256;

type Row = Record<string, unknown>;

export class SqliteStore implements UsageStore {
  readonly kind = 'sqlite' as const;
  #db: Database.Database | undefined;
  readonly #statements = new Map<string, Database.Statement>();

  /** `file`: an absolute path (its folder is created on first start) or ":memory:". */
  constructor(readonly file: string) {}

  async init(): Promise<void> {
    const db = this.#open();
    db.transaction(() => {
      db.exec(SCHEMA_VERSION_TABLE);
      const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
      const pending = pendingMigrations('sqlite', row.v ?? 0);
      for (const { statements } of pending) for (const sql of statements) db.exec(sql);
      if (pending.length > 0) {
        db.exec('DELETE FROM schema_version');
        db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(pending[pending.length - 1].version);
      }
    }).immediate();
  }

  async write(batch: UsageBatch): Promise<void> {
    const db = this.#ready();
    const upsertRow = this.#prepare(usageUpsertSql('sqlite', 1));
    const upsertClient = this.#prepare(clientUpsertSql('sqlite', 1));
    // Duplicate keys within a batch simply add up: each row is its own upsert.
    db.transaction(() => {
      for (const client of batch.clients) upsertClient.run(...clientValues(client, 'sqlite'));
      for (const row of batch.rows) upsertRow.run(...usageRowValues(row));
    }).immediate();
  }

  async summarize(filter: UsageFilter, by: Dimension[]): Promise<UsageGroup[]> {
    const { sql, values } = summarizeSql('sqlite', filter, by);
    return (this.#prepare(sql).all(...values) as Row[]).map((row) => toGroup(row, by));
  }

  async series(filter: UsageFilter, stepMs: number): Promise<SeriesPoint[]> {
    const { sql, values } = seriesSql('sqlite', filter, stepMs);
    return (this.#prepare(sql).all(...values) as Row[]).map(toPoint);
  }

  async clients(ids?: string[]): Promise<ClientInfo[]> {
    if (ids === undefined) return (this.#prepare(`SELECT ${CLIENT_COLUMNS} FROM clients ORDER BY id`).all() as Row[]).map(toClient);
    if (ids.length === 0) return [];
    // One bound JSON array instead of one placeholder per id: 10,000 ids stay one statement.
    const sql = `SELECT ${CLIENT_COLUMNS} FROM clients WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`;
    return (this.#prepare(sql).all(JSON.stringify(ids)) as Row[]).map(toClient);
  }

  async rollup(before: number): Promise<number> {
    const db = this.#ready();
    const where = "WHERE granularity = 'minute' AND bucket < ?";
    const fold = this.#prepare(rollupInsertSql('sqlite', 'usage', where));
    const remove = this.#prepare(`DELETE FROM usage ${where}`);
    // One write transaction: nothing can add a minute row between the fold and the delete.
    return db.transaction(() => {
      fold.run(before);
      return remove.run(before).changes;
    }).immediate();
  }

  async listPins(): Promise<Pin[]> {
    return (this.#prepare(LIST_PINS_SQL).all() as Row[]).map(toPin);
  }

  async pinPage(after: string, limit: number): Promise<[string, string][]> {
    return this.#prepare(pinPageSql('sqlite')).raw(true).all(after, limit) as [string, string][];
  }

  async setPin(pin: Pin, onlyIfAbsent: boolean): Promise<Pin> {
    const { sql, values } = setPinSql('sqlite', pin, onlyIfAbsent);
    return toPin(this.#prepare(sql).get(...values) as Row);
  }

  async changedPins(since: number, after: PinCursor | undefined, limit: number): Promise<Pin[]> {
    return (this.#prepare(changedPinsSql('sqlite').pins).all(after?.pinnedAt ?? since, after?.client ?? '', limit) as Row[]).map(toPin);
  }

  async clearedPins(since: number): Promise<{ client: string; at: number }[]> {
    return (this.#prepare(changedPinsSql('sqlite').clears).all(since) as Row[]).map(toCleared);
  }

  async clearPin(client: string, at = Date.now()): Promise<boolean> {
    const sql = changedPinsSql('sqlite');
    const db = this.#ready();
    return db.transaction(() => {
      const existed = this.#prepare(sql.clear).run(client).changes > 0;
      this.#prepare(sql.remember).run(client, at);
      return existed;
    }).immediate();
  }

  async close(): Promise<void> {
    this.#statements.clear();
    if (this.#db === undefined) return;
    const db = this.#db;
    this.#db = undefined;
    try {
      // Keeps the query planner's statistics current (SQLite's advice for long-lived connections).
      db.pragma('optimize');
    } catch {
      // Only an optimisation: a busy or read-only file must not stop the close.
    }
    db.close();
  }

  #open(): Database.Database {
    if (this.#db) return this.#db;
    const memory = this.file === ':memory:';
    if (!memory) mkdirSync(dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      if (!memory) {
        db.pragma('journal_mode = WAL');
        // Safe with WAL: a power cut can lose the last commits, never corrupt the file.
        db.pragma('synchronous = NORMAL');
      }
    } catch (err) {
      db.close();
      throw err;
    }
    this.#db = db;
    return db;
  }

  #ready(): Database.Database {
    if (!this.#db) throw new Error(`usage store ${this.file} used before init() or after close()`);
    return this.#db;
  }

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      if (this.#statements.size >= MAX_CACHED_STATEMENTS) this.#statements.clear();
      statement = this.#ready().prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
