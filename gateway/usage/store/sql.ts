/**
 * The SQL both usage stores share (DESIGN.md "Stores"). SQLite and
 * PostgreSQL run the same schema, upserts, summaries, series and pin statements; only the
 * placeholder style (`?` or `$n`), a few function names and the transaction handling differ,
 * so the statements are built here once, parameterised by dialect.
 *
 * Tables:
 *
 * - `usage`: one row per (client, version, source, operation, status_class, granularity, bucket),
 *   the primary key. `granularity` is `minute` or `day`: a day bucket starts at UTC midnight, which
 *   is also a minute bucket, so the granularity is part of the key. `bucket`, `count`,
 *   `first_seen`, `last_seen` are BIGINT epoch milliseconds (counts for `count`). Writes add:
 *   `count = count + new`, `first_seen = min`, `last_seen = max`, so replicas flushing the same
 *   cell concurrently sum exactly. Indexes: the primary key leads with `client` (drill-down by
 *   client), `usage_bucket` on `bucket` (every report is a time range; rollup scans old buckets).
 * - `clients`: (id primary key, kind, label, verified). A later write without a label or
 *   `verified` keeps the ones already stored.
 * - `pins`: (client primary key, version, pinned_at epoch ms, pinned_by `first-request`|`admin`).
 * - `schema_version`: one row, the number of the last migration applied (MIGRATIONS below).
 *
 * Text columns compare bytewise in both stores (PostgreSQL columns are `COLLATE "C"`), so ties in
 * summaries are ordered the same way whichever store answers.
 */

import type { ClientInfo, Dimension, Pin, SeriesPoint, UsageBatch, UsageFilter, UsageGroup, UsageRow, UsageStore } from './types.js';

export type Dialect = 'sqlite' | 'postgres';

export const DAY_MS = 86_400_000;

// ---- Schema -------------------------------------------------------------------------------

/** Migration n (1-based) brings the schema from version n-1 to n. Append only; never edit one. */
export function migrations(dialect: Dialect): string[][] {
  const text = dialect === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT';
  // SQLite: the primary key is the table itself, no second copy of every key in a rowid index.
  const withoutRowid = dialect === 'sqlite' ? ' WITHOUT ROWID' : '';
  return [
    [
      `CREATE TABLE IF NOT EXISTS usage (
        client ${text} NOT NULL,
        version ${text} NOT NULL,
        source ${text} NOT NULL,
        operation ${text} NOT NULL,
        status_class ${text} NOT NULL,
        granularity ${text} NOT NULL CHECK (granularity IN ('minute', 'day')),
        bucket BIGINT NOT NULL,
        count BIGINT NOT NULL,
        first_seen BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        PRIMARY KEY (client, version, source, operation, status_class, granularity, bucket)
      )${withoutRowid}`,
      'CREATE INDEX IF NOT EXISTS usage_bucket ON usage (bucket)',
      `CREATE TABLE IF NOT EXISTS clients (
        id ${text} PRIMARY KEY,
        kind ${text} NOT NULL,
        label ${text},
        verified BOOLEAN
      )`,
      `CREATE TABLE IF NOT EXISTS pins (
        client ${text} PRIMARY KEY,
        version ${text} NOT NULL,
        pinned_at BIGINT NOT NULL,
        pinned_by ${text} NOT NULL
      )`,
    ],
    // 2: pins are refreshed by what changed since the last refresh (issue 10): sets by pinned_at,
    // clears from their own table.
    [
      'CREATE INDEX IF NOT EXISTS pins_pinned_at ON pins (pinned_at)',
      `CREATE TABLE IF NOT EXISTS pin_clears (
        client ${text} PRIMARY KEY,
        cleared_at BIGINT NOT NULL
      )`,
      'CREATE INDEX IF NOT EXISTS pin_clears_cleared_at ON pin_clears (cleared_at)',
    ],
    // 3: an incremental refresh reads what changed a page at a time, in (pinned_at, client) order.
    [
      'CREATE INDEX IF NOT EXISTS pins_changed ON pins (pinned_at, client)',
      'DROP INDEX IF EXISTS pins_pinned_at',
    ],
  ];
}

export const SCHEMA_VERSION_TABLE = 'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)';

/** The migrations a database at `current` still needs; throws when it is newer than this code. */
export function pendingMigrations(dialect: Dialect, current: number): { version: number; statements: string[] }[] {
  const all = migrations(dialect);
  if (current > all.length) {
    throw new Error(`the usage store's schema is version ${current}, newer than this gateway knows (${all.length}); upgrade the gateway`);
  }
  return all.slice(current).map((statements, i) => ({ version: current + i + 1, statements }));
}

// ---- Parameters -----------------------------------------------------------------------------

/** Collects bound values and hands out the matching placeholder: `?` for SQLite, `$n` for PostgreSQL. */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'postgres' ? `$${this.values.length}` : '?';
  }
}

// ---- Writes -----------------------------------------------------------------------------------

const USAGE_KEY = 'client, version, source, operation, status_class, granularity, bucket';
const USAGE_COLUMNS = `${USAGE_KEY}, count, first_seen, last_seen`;

function widen(dialect: Dialect): string {
  const [min, max] = dialect === 'postgres' ? ['LEAST', 'GREATEST'] : ['min', 'max'];
  return `ON CONFLICT (${USAGE_KEY}) DO UPDATE SET
    count = usage.count + EXCLUDED.count,
    first_seen = ${min}(usage.first_seen, EXCLUDED.first_seen),
    last_seen = ${max}(usage.last_seen, EXCLUDED.last_seen)`;
}

/** `INSERT … VALUES (…) × rowCount … ON CONFLICT DO UPDATE` adding counts; bind `usageRowValues` per row. */
export function usageUpsertSql(dialect: Dialect, rowCount: number): string {
  const p = new SqlParams(dialect);
  const tuples: string[] = [];
  for (let r = 0; r < rowCount; r++) {
    const marks: string[] = [];
    for (let c = 0; c < 10; c++) marks.push(p.add(null));
    tuples.push(`(${marks.join(', ')})`);
  }
  return `INSERT INTO usage (${USAGE_COLUMNS}) VALUES ${tuples.join(', ')} ${widen(dialect)}`;
}

export function usageRowValues(row: UsageRow): unknown[] {
  return [row.client, row.version, row.source, row.operation, row.statusClass, row.granularity,
    row.bucket, row.count, row.firstSeen, row.lastSeen];
}

/** Client upsert: the kind follows the latest sighting; a missing label or `verified` keeps the stored one. */
export function clientUpsertSql(dialect: Dialect, rowCount: number): string {
  const p = new SqlParams(dialect);
  const tuples: string[] = [];
  for (let r = 0; r < rowCount; r++) tuples.push(`(${p.add(null)}, ${p.add(null)}, ${p.add(null)}, ${p.add(null)})`);
  return `INSERT INTO clients (id, kind, label, verified) VALUES ${tuples.join(', ')}
    ON CONFLICT (id) DO UPDATE SET
      kind = EXCLUDED.kind,
      label = COALESCE(EXCLUDED.label, clients.label),
      verified = COALESCE(EXCLUDED.verified, clients.verified)`;
}

export function clientValues(client: ClientInfo, dialect: Dialect): unknown[] {
  const verified = client.verified === undefined ? null : dialect === 'sqlite' ? Number(client.verified) : client.verified;
  return [client.id, client.kind, client.label ?? null, verified];
}

/**
 * A batch as the stores write it: rows with the same key merged (one statement may not update a
 * row twice), rows and clients sorted by key so that replicas writing overlapping batches lock
 * rows in the same order and cannot deadlock each other.
 */
export function normalizeBatch(batch: UsageBatch): UsageBatch {
  const rows = new Map<string, UsageRow>();
  for (const row of batch.rows) {
    const key = rowKey(row);
    const seen = rows.get(key);
    if (seen === undefined) {
      rows.set(key, { ...row });
    } else {
      seen.count += row.count;
      if (row.firstSeen < seen.firstSeen) seen.firstSeen = row.firstSeen;
      if (row.lastSeen > seen.lastSeen) seen.lastSeen = row.lastSeen;
    }
  }
  const clients = new Map<string, ClientInfo>();
  for (const client of batch.clients) {
    const seen = clients.get(client.id);
    clients.set(client.id, seen === undefined ? client : {
      id: client.id,
      kind: client.kind,
      label: client.label ?? seen.label,
      verified: client.verified ?? seen.verified,
    });
  }
  return {
    rows: [...rows.entries()].sort(byKey).map(([, row]) => row),
    clients: [...clients.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}

function rowKey(row: UsageRow): string {
  return `${row.client}\0${row.version}\0${row.source}\0${row.operation}\0${row.statusClass}\0${row.granularity}\0${row.bucket}`;
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

// ---- Rollup ----------------------------------------------------------------------------------

/**
 * Minute rows → day rows, as `INSERT … SELECT … FROM <source>`. SQLite selects from `usage`
 * itself inside one write transaction, then deletes; PostgreSQL selects from the rows a
 * `DELETE … RETURNING` removed in the same statement, so a minute row flushed concurrently is
 * either folded or left for the next rollup, never deleted unfolded.
 */
export function rollupInsertSql(dialect: Dialect, from: string, where: string): string {
  const day = `bucket - bucket % ${DAY_MS}`;
  return `INSERT INTO usage (${USAGE_COLUMNS})
    SELECT client, version, source, operation, status_class, 'day', ${day}, SUM(count), MIN(first_seen), MAX(last_seen)
    FROM ${from} ${where}
    GROUP BY client, version, source, operation, status_class, ${day}
    ${widen(dialect)}`;
}

// ---- Reads -----------------------------------------------------------------------------------

const DIMENSION_COLUMNS: Record<Dimension, string> = {
  client: 'client',
  version: 'version',
  source: 'source',
  operation: 'operation',
  statusClass: 'status_class',
};

/** ` WHERE …` for a filter (empty when there is nothing to filter on). An empty `versions` matches nothing. */
export function whereSql(filter: UsageFilter, p: SqlParams): string {
  const terms: string[] = [];
  if (filter.from !== undefined) terms.push(`bucket >= ${p.add(filter.from)}`);
  if (filter.to !== undefined) terms.push(`bucket < ${p.add(filter.to)}`);
  if (filter.client !== undefined) terms.push(`client = ${p.add(filter.client)}`);
  if (filter.versions !== undefined) {
    terms.push(filter.versions.length === 0 ? '1 = 0' : `version IN (${filter.versions.map((v) => p.add(v)).join(', ')})`);
  }
  return terms.length === 0 ? '' : ` WHERE ${terms.join(' AND ')}`;
}

/**
 * Sums grouped by `by`, largest count first, ties by the dimensions in order. Without
 * dimensions it is one total group, also when nothing matches (count 0, first/last seen 0).
 */
export function summarizeSql(dialect: Dialect, filter: UsageFilter, by: readonly Dimension[]): { sql: string; values: unknown[] } {
  const p = new SqlParams(dialect);
  const columns = [...new Set(by)].map((d) => DIMENSION_COLUMNS[d]);
  const select = columns.map((c) => `${c}, `).join('');
  const group = columns.length === 0 ? '' : ` GROUP BY ${columns.join(', ')}`;
  const order = ['n DESC', ...columns].join(', ');
  const sql = `SELECT ${select}SUM(count) AS n, MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen
    FROM usage${whereSql(filter, p)}${group} ORDER BY ${order}`;
  return { sql, values: p.values };
}

export function toGroup(row: Record<string, unknown>, by: readonly Dimension[]): UsageGroup {
  const group: UsageGroup = { count: num(row.n), firstSeen: num(row.first_seen), lastSeen: num(row.last_seen) };
  for (const d of by) group[d] = row[DIMENSION_COLUMNS[d]] as string;
  return group;
}

/** Counts per version per `stepMs`, oldest bucket first, versions in byte order. */
export function seriesSql(dialect: Dialect, filter: UsageFilter, stepMs: number): { sql: string; values: unknown[] } {
  if (!Number.isSafeInteger(stepMs) || stepMs <= 0) throw new RangeError(`series step must be a positive whole number of ms, got ${stepMs}`);
  const p = new SqlParams(dialect);
  // Bind the step twice: SQLite's `?` cannot be repeated. CAST: better-sqlite3 binds numbers as REAL.
  const step = `(bucket / CAST(${p.add(stepMs)} AS BIGINT)) * CAST(${p.add(stepMs)} AS BIGINT)`;
  const sql = `SELECT ${step} AS b, version, SUM(count) AS n FROM usage${whereSql(filter, p)}
    GROUP BY 1, 2 ORDER BY 1, 2`;
  return { sql, values: p.values };
}

export function toPoint(row: Record<string, unknown>): SeriesPoint {
  return { bucket: num(row.b), version: row.version as string, count: num(row.n) };
}

export const CLIENT_COLUMNS = 'id, kind, label, verified';

export function toClient(row: Record<string, unknown>): ClientInfo {
  const client: ClientInfo = { id: row.id as string, kind: row.kind as ClientInfo['kind'] };
  if (row.label !== null && row.label !== undefined) client.label = row.label as string;
  if (row.verified !== null && row.verified !== undefined) client.verified = Boolean(row.verified);
  return client;
}

// ---- Pins ------------------------------------------------------------------------------------

const PIN_COLUMNS = 'client, version, pinned_at, pinned_by';

export const LIST_PINS_SQL = `SELECT ${PIN_COLUMNS} FROM pins ORDER BY client`;

/** One page of pins as (client, version) pairs, in client order after a client: a full refresh reads them page by page. */
export function pinPageSql(dialect: Dialect): string {
  return dialect === 'postgres'
    ? 'SELECT client, version FROM pins WHERE client > $1 ORDER BY client LIMIT $2'
    : 'SELECT client, version FROM pins WHERE client > ? ORDER BY client LIMIT ?';
}

/**
 * An incremental refresh: pins set from a time on, a page at a time in (pinned_at, client) order
 * after a cursor (bind the cursor's pinned_at and client, and the limit; the first page's cursor
 * is (since, '')), which the index on (pinned_at, client) starts each page at; and pins cleared
 * after `since`.
 */
export function changedPinsSql(dialect: Dialect): { pins: string; clears: string; clear: string; remember: string } {
  const at = dialect === 'postgres' ? ['$1', '$2'] : ['?', '?'];
  const page = dialect === 'postgres' ? ['$1', '$2', '$3'] : ['?', '?', '?'];
  return {
    pins: `SELECT ${PIN_COLUMNS} FROM pins WHERE (pinned_at, client) > (${page[0]}, ${page[1]}) ORDER BY pinned_at, client LIMIT ${page[2]}`,
    clears: `SELECT client, cleared_at FROM pin_clears WHERE cleared_at > ${at[0]}`,
    clear: `DELETE FROM pins WHERE client = ${at[0]}`,
    remember: `INSERT INTO pin_clears (client, cleared_at) VALUES (${at[0]}, ${at[1]}) ON CONFLICT (client) DO UPDATE SET cleared_at = EXCLUDED.cleared_at`,
  };
}

export function toCleared(row: Record<string, unknown>): { client: string; at: number } {
  return { client: row.client as string, at: num(row.cleared_at) };
}

/**
 * One statement either way, so two replicas pinning the same client at once both get the one
 * pin that won: with `onlyIfAbsent` the conflict branch rewrites the stored row unchanged and
 * returns it.
 */
export function setPinSql(dialect: Dialect, pin: Pin, onlyIfAbsent: boolean): { sql: string; values: unknown[] } {
  const p = new SqlParams(dialect);
  const update = onlyIfAbsent
    ? 'version = pins.version'
    : 'version = EXCLUDED.version, pinned_at = EXCLUDED.pinned_at, pinned_by = EXCLUDED.pinned_by';
  const sql = `INSERT INTO pins (${PIN_COLUMNS})
    VALUES (${p.add(pin.client)}, ${p.add(pin.version)}, ${p.add(pin.pinnedAt)}, ${p.add(pin.by)})
    ON CONFLICT (client) DO UPDATE SET ${update}
    RETURNING ${PIN_COLUMNS}`;
  return { sql, values: p.values };
}

export function toPin(row: Record<string, unknown>): Pin {
  return { client: row.client as string, version: row.version as string, pinnedAt: num(row.pinned_at), by: row.pinned_by as Pin['by'] };
}

/** PostgreSQL returns BIGINT and SUM as strings; SQLite as numbers; an empty total as null. */
function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

