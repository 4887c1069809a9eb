/**
 * Usage counting on the request path (DESIGN.md "Stores": "counts are aggregated in memory and
 * flushed as upserts, so the request path never waits on the database").
 *
 * `record` is called once per finished request: it bumps one counter per (client, version,
 * source, operation, status class, minute), found through an index by client id, and does no I/O
 * and no promise work. When the row already exists it allocates nothing. A timer flushes the rows
 * to the store; the list is swapped out first, so a slow flush never blocks recording.
 * A flush that fails is merged back and retried at the next tick; while the store is down rows
 * stay buffered up to `bufferLimit` distinct rows, and counts for new rows beyond it are dropped,
 * counted and reported (never a failed request).
 */

import type { Logger } from 'pino';
import type { ResolutionSource } from '../config/types.js';
import type { ClientIdentity } from '../clients/identity.js';
import type { ClientInfo, StatusClass, UsageRow, UsageStore } from './store/types.js';

export interface RecorderOptions {
  flushIntervalMs: number;
  bufferLimit: number;
  rollupAfterMs: number;
  logger: Logger;
  now?: () => number;
  /** Called once per failed flush (metrics hook it). */
  onFlushFailure?: () => void;
  /** Called with the number of counts dropped at the buffer bound, at most once per flush (metrics hook it). */
  onDropped?: (counts: number) => void;
}

const MINUTE_MS = 60_000;
const ROLLUP_EVERY_MS = 3_600_000;
/** Rows (and client records) per store write of a flush. */
const FLUSH_CHUNK = 1000;
/** close(): the final flush is tried this many times, waiting these delays in between (~1.75 s in all). */
const CLOSE_RETRY_DELAYS_MS = [250, 500, 1_000];
const NO_OP = (): void => {};

/**
 * A row being counted, with its `slot`: a small integer for (version, source, status class), which
 * with the client and operation finds the row in the index.
 */
type LiveRow = UsageRow & { slot: number };

const KNOWN_CLIENTS_LIMIT = 100_000;

/** Resolution sources, numbered for the row index. */
const SOURCE_INDEX: Record<ResolutionSource, number> = { header: 0, path: 1, query: 2, 'media-type': 3, pin: 4, default: 5 };
const SOURCES = 6;

/** Indexed by Math.floor(status / 100); anything outside 1xx–5xx counts as a server error. */
const STATUS_CLASSES: readonly StatusClass[] = ['5xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

export class UsageRecorder {
  readonly #store: UsageStore;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #flushIntervalMs: number;
  readonly #bufferLimit: number;
  readonly #earlyFlushRows: number;
  readonly #rollupAfterMs: number;
  readonly #onFlushFailure: () => void;
  readonly #onDropped: (counts: number) => void;

  /** Rows counted since the last swap, one per (client, version, source, operation, class, minute). */
  #rows: LiveRow[] = [];
  /**
   * The same rows by their text key (`client \0 version \0 source \0 operation \0 class \0 minute`),
   * kept only while a row may exist that the index does not know (after a failed flush was merged
   * back, or the clock went back). Otherwise no row carries a key string: with 200,000 clients in a
   * minute, keys and per-client maps were most of the recorder's memory.
   */
  #byKey: Map<string, LiveRow> | undefined;
  /** The clients those rows mention. */
  #clients = new Map<string, ClientInfo>();
  /** Rows handed to the store by the flush in progress (they still count against `bufferLimit`). */
  #inFlight = 0;
  #flushing: Promise<void> | undefined;
  #dropped = 0;
  #failing = false;
  #timers: NodeJS.Timeout[] = [];
  /** The minute bucket of the previous record. */
  #minute = -1;
  /**
   * The rows of `#rows` of the current minute by client id: its one row, or its rows when it has
   * several (another operation, version or status class). A row is the one whose operation (one of
   * a few interned strings) and slot match, so on the common path (a row that already exists) a
   * request costs one Map lookup and a comparison or two, and no allocation. Emptied when the
   * minute turns and when the rows are swapped out for a flush: a row handed to the store is never
   * counted into again, and is not kept alive by the index.
   */
  #index = new Map<string, LiveRow | LiveRow[]>();
  #versionSlots = new Map<string, number>();
  /**
   * Clients already in a batch (sent or queued), so each is written once rather than at every
   * flush; cleared past KNOWN_CLIENTS_LIMIT, after which clients are simply written again.
   */
  #known = new Map<string, ClientInfo>();

  constructor(store: UsageStore, options: RecorderOptions) {
    this.#store = store;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#flushIntervalMs = options.flushIntervalMs;
    this.#bufferLimit = options.bufferLimit;
    this.#earlyFlushRows = Math.max(1, Math.floor(options.bufferLimit / 2));
    this.#rollupAfterMs = options.rollupAfterMs;
    this.#onFlushFailure = options.onFlushFailure ?? NO_OP;
    this.#onDropped = options.onDropped ?? NO_OP;
  }

  /** Distinct rows held in memory, including those a flush in progress is writing. */
  get bufferedRows(): number {
    return this.#rows.length + this.#inFlight;
  }

  /** Count one request. `at` is epoch ms; `status` the HTTP status code. Synchronous, no I/O. */
  record(client: ClientIdentity, version: string, source: ResolutionSource, operation: string, status: number, at: number): void {
    const minute = at - (at % MINUTE_MS);
    if (minute !== this.#minute) {
      if (minute < this.#minute) this.#lookUpByKey();
      this.#minute = minute;
      this.#index.clear();
    }
    const classIndex = (status / 100) | 0;
    let versionSlot = this.#versionSlots.get(version);
    if (versionSlot === undefined) this.#versionSlots.set(version, (versionSlot = this.#versionSlots.size));
    const slot = (versionSlot * SOURCES + SOURCE_INDEX[source]) * 8 + (classIndex > 0 && classIndex < 6 ? classIndex : 5);
    const entry = this.#index.get(client.id);
    let row: LiveRow | undefined;
    if (entry !== undefined) {
      if (!Array.isArray(entry)) {
        if (entry.slot === slot && entry.operation === operation) row = entry;
      } else {
        for (let i = 0; i < entry.length; i++) {
          if (entry[i].slot === slot && entry[i].operation === operation) {
            row = entry[i];
            break;
          }
        }
      }
    }
    if (row !== undefined) {
      count(row, at);
      return;
    }

    const statusClass = STATUS_CLASSES[classIndex] ?? '5xx';
    let key: string | undefined;
    if (this.#byKey !== undefined) {
      // The row may exist without the index knowing it (merged back after a failed flush).
      key = rowKey(client.id, version, source, operation, statusClass, minute);
      const known = this.#byKey.get(key);
      if (known !== undefined) {
        this.#indexRow(known, entry);
        count(known, at);
        return;
      }
    }
    if (this.#rows.length + this.#inFlight >= this.#bufferLimit) {
      this.#dropped++;
      return;
    }
    const fresh: LiveRow = {
      client: client.id, version, source, operation, statusClass, granularity: 'minute', bucket: minute,
      count: 1, firstSeen: at, lastSeen: at, slot,
    };
    this.#rows.push(fresh);
    if (key !== undefined) this.#byKey!.set(key, fresh);
    this.#indexRow(fresh, entry);
    // Half the buffer in distinct rows before the interval is up (many clients at once): flush now,
    // off this call, rather than drop counts at the limit (the limit is for a store that is down).
    if (this.#rows.length === this.#earlyFlushRows && this.#flushing === undefined && this.#timers.length > 0) {
      setImmediate(() => { if (this.#flushing === undefined) this.flush().catch(NO_OP); });
    }
    const known = this.#known.get(client.id);
    if (known === undefined || known.kind !== client.by || known.label !== client.label || known.verified !== client.verified) {
      if (this.#known.size >= KNOWN_CLIENTS_LIMIT) this.#known.clear();
      const info = clientInfo(client);
      this.#known.set(client.id, info);
      this.#clients.set(client.id, info);
    }
  }

  /** Add `row` to the index beside its client's other rows (`entry`). */
  #indexRow(row: LiveRow, entry: LiveRow | LiveRow[] | undefined): void {
    if (entry === undefined) this.#index.set(row.client, row);
    else if (!Array.isArray(entry)) this.#index.set(row.client, [entry, row]);
    else entry.push(row);
  }

  /** From now until the next swap, rows are also found by their text key (see `#byKey`). */
  #lookUpByKey(): void {
    if (this.#byKey !== undefined) return;
    this.#byKey = new Map();
    for (const row of this.#rows) this.#byKey.set(keyOf(row), row);
  }

  /** Flush on an interval (timers unref'd), and roll old minute rows into days now and about hourly. */
  start(): void {
    if (this.#timers.length > 0) return;
    const tick = setInterval(() => {
      if (this.#flushing === undefined) this.flush().catch(NO_OP);
    }, this.#flushIntervalMs);
    const rollup = setInterval(() => this.#rollup(), ROLLUP_EVERY_MS);
    tick.unref();
    rollup.unref();
    this.#timers.push(tick, rollup);
    this.#rollup();
  }

  /**
   * Write what is buffered. One flush at a time: a call during a flush waits for it, then
   * flushes what came in meanwhile. Rejects when the store does; the rows are then back in
   * the buffer for the next attempt.
   */
  async flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing.catch(NO_OP);
    const flushing = this.#flushOnce();
    this.#flushing = flushing;
    try {
      await flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Stop the timers and flush what is left, retrying briefly; logs an error with the counts lost if it cannot. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.flush();
        return;
      } catch (err) {
        if (attempt >= CLOSE_RETRY_DELAYS_MS.length) {
          let counts = 0;
          for (const row of this.#rows) counts += row.count;
          this.#logger.error({ err, rows: this.#rows.length, counts }, 'usage store unreachable at shutdown: these usage counts are lost');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, CLOSE_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  async #flushOnce(): Promise<void> {
    if (this.#dropped > 0) {
      const dropped = this.#dropped;
      this.#dropped = 0;
      this.#onDropped(dropped);
      this.#logger.warn({ dropped, buffer_limit: this.#bufferLimit }, 'usage buffer full: counts for new rows were dropped');
    }
    if (this.#rows.length === 0) return;
    const rowList = this.#rows;
    const clients = this.#clients;
    this.#rows = [];
    this.#byKey = undefined;
    this.#index = new Map();
    this.#clients = new Map();
    this.#inFlight = rowList.length;
    // In chunks, the event loop served between them: one 10,000-client batch held it ~100 ms on
    // SQLite (issue 10). A chunk that fails puts back only itself and the chunks after it, so
    // nothing written is counted twice.
    const clientList = [...clients.values()];
    let written = 0;
    try {
      for (let i = 0; i < Math.max(rowList.length, clientList.length); i += FLUSH_CHUNK) {
        if (i > 0) await new Promise((resolve) => setImmediate(resolve));
        await this.#store.write({ rows: rowList.slice(i, i + FLUSH_CHUNK), clients: clientList.slice(i, i + FLUSH_CHUNK) });
        written = i + FLUSH_CHUNK;
      }
    } catch (err) {
      this.#inFlight = 0;
      this.#mergeBack(rowList.slice(written), unwritten(clients, written));
      this.#onFlushFailure();
      if (!this.#failing) this.#logger.warn({ err, rows: this.#rows.length }, 'usage flush failed; counts stay buffered and are retried');
      else this.#logger.debug({ err, rows: this.#rows.length }, 'usage flush failed again');
      this.#failing = true;
      throw err;
    }
    this.#inFlight = 0;
    if (this.#failing) {
      this.#failing = false;
      this.#logger.info({ rows: rowList.length }, 'usage store reachable again; buffered counts flushed');
    }
  }

  /** Put a failed batch back: counts add to rows recorded meanwhile, nothing is lost. */
  #mergeBack(rows: LiveRow[], clients: Map<string, ClientInfo>): void {
    this.#lookUpByKey();
    for (const row of rows) {
      const key = keyOf(row);
      const current = this.#byKey!.get(key);
      if (current === undefined) {
        this.#rows.push(row);
        this.#byKey!.set(key, row);
      } else {
        current.count += row.count;
        if (row.firstSeen < current.firstSeen) current.firstSeen = row.firstSeen;
        if (row.lastSeen > current.lastSeen) current.lastSeen = row.lastSeen;
      }
    }
    // Newer sightings of a client win.
    for (const [id, client] of clients) if (!this.#clients.has(id)) this.#clients.set(id, client);
  }

  #rollup(): void {
    const before = this.#now() - this.#rollupAfterMs;
    this.#store.rollup(before).then(
      (folded) => { if (folded > 0) this.#logger.info({ folded, before: new Date(before).toISOString() }, 'usage minute rows rolled up into days'); },
      (err: unknown) => this.#logger.warn({ err }, 'usage rollup failed; retried within the hour'),
    );
  }
}

function clientInfo(client: ClientIdentity): ClientInfo {
  const info: ClientInfo = { id: client.id, kind: client.by };
  if (client.label !== undefined) info.label = client.label;
  if (client.verified !== undefined) info.verified = client.verified;
  return info;
}

/** Count one more request into `row`. */
function count(row: LiveRow, at: number): void {
  row.count++;
  if (at < row.firstSeen) row.firstSeen = at;
  else if (at > row.lastSeen) row.lastSeen = at;
}

/** A row's identity as text: what the store's upsert keys on. */
function rowKey(client: string, version: string, source: string, operation: string, statusClass: string, bucket: number): string {
  return `${client}\0${version}\0${source}\0${operation}\0${statusClass}\0${bucket}`;
}

function keyOf(row: LiveRow): string {
  return rowKey(row.client, row.version, row.source, row.operation, row.statusClass, row.bucket);
}

/** The entries of `map` from position `from` on (its insertion order, the order chunks were cut in). */
function unwritten<V>(map: Map<string, V>, from: number): Map<string, V> {
  if (from === 0) return map;
  const out = new Map<string, V>();
  let i = 0;
  for (const [key, value] of map) if (i++ >= from) out.set(key, value);
  return out;
}
