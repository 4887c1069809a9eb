/**
 * The shared usage store for gateway fleets: PostgreSQL through a `pg` pool (DESIGN.md "Stores").
 *
 * Several replicas write the same tables at once, so every write is an additive upsert
 * (`count = usage.count + EXCLUDED.count`): totals are exact whoever flushes first. A batch is one
 * transaction of multi-row inserts, at most `CHUNK_ROWS` rows per statement, with rows sorted by
 * key so that two replicas lock overlapping rows in the same order. Deadlocks and serialization
 * failures that still happen are retried a couple of times here; anything else rejects, and the
 * caller (the recorder, the pin book) keeps its data and retries later.
 *
 * A server that goes away must never crash the gateway: the pool's `error` event (idle
 * connections) is handled, and so is the `error` event of a connection while a transaction holds it.
 */

import pg from 'pg';
import type { Logger } from 'pino';
import type { ClientInfo, PinCursor, Dimension, Pin, SeriesPoint, UsageBatch, UsageFilter, UsageGroup, UsageRow, UsageStore } from './types.js';
import {
  CLIENT_COLUMNS, LIST_PINS_SQL, SCHEMA_VERSION_TABLE, clientUpsertSql, clientValues, normalizeBatch,
  pendingMigrations, rollupInsertSql, seriesSql, setPinSql, summarizeSql, toClient, toGroup, toPin, toPoint, changedPinsSql, pinPageSql, toCleared,
  usageRowValues, usageUpsertSql,
} from './sql.js';

/** Rows per INSERT statement: 500 rows × 10 values stays far below PostgreSQL's 65,535 parameters. */
const CHUNK_ROWS = 500;
/** Advisory lock keys (arbitrary, fixed): schema migration, and one rollup at a time across the fleet. */
const MIGRATION_LOCK = 0x7665_7273_6f01;
const ROLLUP_LOCK = 0x7665_7273_6f02;
/** SQLSTATE deadlock_detected and serialization_failure: safe to run the transaction again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

type Row = Record<string, unknown>;

export class PostgresStore implements UsageStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #upserts = new Map<string, string>();
  #closed = false;

  constructor(url: string, options: { logger?: Logger } = {}) {
    this.#pool = new pg.Pool({
      connectionString: url,
      max: 4,
      application_name: 'verso',
      // Fail fast while the server is unreachable; the caller retries at its next tick.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      // A server that stops answering (a network partition, not a refused connection) frees the
      // connection after this long instead of holding the recorder's one flush forever.
      query_timeout: 120_000,
    });
    // Idle connections die when the server restarts; pg-pool drops them and emits this.
    // Without a listener the event would crash the process.
    this.#pool.on('error', (err) => options.logger?.warn({ err }, 'usage store: an idle PostgreSQL connection failed'));
  }

  async init(): Promise<void> {
    await this.#transaction(async (db) => {
      // Two gateways starting at once: the second waits here, then finds nothing to do.
      await db.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await db.query(SCHEMA_VERSION_TABLE);
      const { rows } = await db.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
      const pending = pendingMigrations('postgres', rows[0].v ?? 0);
      for (const { statements } of pending) for (const sql of statements) await db.query(sql);
      if (pending.length > 0) {
        await db.query('DELETE FROM schema_version');
        await db.query('INSERT INTO schema_version (version) VALUES ($1)', [pending[pending.length - 1].version]);
      }
    });
  }

  async write(batch: UsageBatch): Promise<void> {
    const { rows, clients } = normalizeBatch(batch);
    if (rows.length === 0 && clients.length === 0) return;
    await this.#transaction(async (db) => {
      // Clients before usage in every transaction: one lock order across replicas.
      for (let i = 0; i < clients.length; i += CHUNK_ROWS) {
        const chunk = clients.slice(i, i + CHUNK_ROWS);
        await db.query(this.#upsertSql('clients', chunk.length), chunk.flatMap((c) => clientValues(c, 'postgres')));
      }
      for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
        const chunk: UsageRow[] = rows.slice(i, i + CHUNK_ROWS);
        await db.query(this.#upsertSql('usage', chunk.length), chunk.flatMap(usageRowValues));
      }
    });
  }

  async summarize(filter: UsageFilter, by: Dimension[]): Promise<UsageGroup[]> {
    const { sql, values } = summarizeSql('postgres', filter, by);
    const { rows } = await this.#pool.query<Row>(sql, values);
    return rows.map((row) => toGroup(row, by));
  }

  async series(filter: UsageFilter, stepMs: number): Promise<SeriesPoint[]> {
    const { sql, values } = seriesSql('postgres', filter, stepMs);
    const { rows } = await this.#pool.query<Row>(sql, values);
    return rows.map(toPoint);
  }

  async clients(ids?: string[]): Promise<ClientInfo[]> {
    if (ids !== undefined && ids.length === 0) return [];
    const { rows } = ids === undefined
      ? await this.#pool.query<Row>(`SELECT ${CLIENT_COLUMNS} FROM clients ORDER BY id`)
      : await this.#pool.query<Row>(`SELECT ${CLIENT_COLUMNS} FROM clients WHERE id = ANY($1::text[]) ORDER BY id`, [ids]);
    return rows.map(toClient);
  }

  async rollup(before: number): Promise<number> {
    return this.#transaction(async (db) => {
      // Another replica rolling up right now covers the same rows: leave it to that one.
      const { rows: [lock] } = await db.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS got', [ROLLUP_LOCK]);
      if (!lock.got) return 0;
      const { rows } = await db.query<{ n: string }>(`
        WITH moved AS (
          DELETE FROM usage WHERE granularity = 'minute' AND bucket < $1
          RETURNING client, version, source, operation, status_class, bucket, count, first_seen, last_seen
        ), folded AS (
          ${rollupInsertSql('postgres', 'moved', '')}
        )
        SELECT COUNT(*) AS n FROM moved`, [before]);
      return Number(rows[0].n);
    });
  }

  async listPins(): Promise<Pin[]> {
    const { rows } = await this.#pool.query<Row>(LIST_PINS_SQL);
    return rows.map(toPin);
  }

  async pinPage(after: string, limit: number): Promise<[string, string][]> {
    const { rows } = await this.#pool.query<[string, string]>({ text: pinPageSql('postgres'), values: [after, limit], rowMode: 'array' });
    return rows;
  }

  async setPin(pin: Pin, onlyIfAbsent: boolean): Promise<Pin> {
    const { sql, values } = setPinSql('postgres', pin, onlyIfAbsent);
    const { rows } = await this.#pool.query<Row>(sql, values);
    return toPin(rows[0]);
  }

  async changedPins(since: number, after: PinCursor | undefined, limit: number): Promise<Pin[]> {
    const { rows } = await this.#pool.query<Row>(changedPinsSql('postgres').pins, [after?.pinnedAt ?? since, after?.client ?? '', limit]);
    return rows.map(toPin);
  }

  async clearedPins(since: number): Promise<{ client: string; at: number }[]> {
    const { rows } = await this.#pool.query<Row>(changedPinsSql('postgres').clears, [since]);
    return rows.map(toCleared);
  }

  async clearPin(client: string, at = Date.now()): Promise<boolean> {
    const sql = changedPinsSql('postgres');
    return this.#transaction(async (db) => {
      const { rowCount } = await db.query(sql.clear, [client]);
      await db.query(sql.remember, [client, at]);
      return (rowCount ?? 0) > 0;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #upsertSql(table: 'usage' | 'clients', rowCount: number): string {
    const key = `${table}:${rowCount}`;
    let sql = this.#upserts.get(key);
    if (sql === undefined) {
      sql = table === 'usage' ? usageUpsertSql('postgres', rowCount) : clientUpsertSql('postgres', rowCount);
      // Full chunks and a bounded number of tail sizes.
      if (this.#upserts.size < 64) this.#upserts.set(key, sql);
    }
    return sql;
  }

  /**
   * Run `work` in one transaction on one connection. On any error the connection is discarded
   * rather than rolled back (closing it aborts the transaction, and a connection that failed may
   * not answer a ROLLBACK); deadlocks and serialization failures run again on a fresh one.
   */
  async #transaction<T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const db = await this.#pool.connect();
      // A connection that dies while checked out emits `error` besides failing the query in flight.
      const ignore = (): void => {};
      db.on('error', ignore);
      let failure: unknown;
      try {
        await db.query('BEGIN');
        const result = await work(db);
        await db.query('COMMIT');
        return result;
      } catch (err) {
        failure = err;
        if (attempt < ATTEMPTS && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        throw err;
      } finally {
        db.off('error', ignore);
        db.release(failure === undefined ? undefined : failure instanceof Error ? failure : new Error(String(failure)));
      }
    }
  }
}
