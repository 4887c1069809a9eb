/**
 * Usage counting on the request path (DESIGN.md "Stores": "counts are aggregated in memory and
 * flushed as upserts, so the request path never waits on the database").
 *
 * `record` is called once per finished request: it bumps one counter in a Map keyed by one
 * string per (client, version, source, operation, status class, minute) and does no I/O and no
 * promise work. When the row already exists it allocates nothing but the key. A timer flushes
 * the map to the store; the map is swapped out first, so a slow flush never blocks recording.
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

/** A row being counted, tagged with the generation of `#rows` it belongs to. */
type LiveRow = UsageRow & { generation: number };

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

  /** Rows counted since the last swap, keyed by `client \0 version \0 source \0 operation \0 class \0 minute`. */
  #rows = new Map<string, LiveRow>();
  /** The clients those rows mention. */
  #clients = new Map<string, ClientInfo>();
  /** Rows handed to the store by the flush in progress (they still count against `bufferLimit`). */
  #inFlight = 0;
  #flushing: Promise<void> | undefined;
  #dropped = 0;
  #failing = false;
  #timers: NodeJS.Timeout[] = [];
  // The minute bucket of the previous record and its key text, reused while the minute lasts.
  #minute = -1;
  #minuteText = '';
  /**
   * The same rows of the current minute, found without building their string key: client id →
   * operation → a small integer for (version, source, status class). Every piece but the client
   * id is one of a few interned strings, so on the common path (a row that already exists) a
   * request costs three Map lookups and no allocation. Cleared when the minute turns or the rows
   * are swapped out for a flush; a miss falls back to the string key.
   */
  #index = new Map<string, Map<string, Map<number, LiveRow>>>();
  #versionSlots = new Map<string, number>();
  /**
   * Which swap of `#rows` is current. The index outlives a flush (rebuilding every client's maps
   * after each flush cost more than recording itself with 10,000 clients); a row it finds from an
   * earlier generation has been handed to the store and is not counted into again.
   */
  #generation = 0;
  /** Whether `#rows` may hold a current-minute row the index does not know (merged back, or the clock went back). */
  #keyLookup = false;
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
    return this.#rows.size + this.#inFlight;
  }

  /** Count one request. `at` is epoch ms; `status` the HTTP status code. Synchronous, no I/O. */
  record(client: ClientIdentity, version: string, source: ResolutionSource, operation: string, status: number, at: number): void {
    const minute = at - (at % MINUTE_MS);
    if (minute !== this.#minute) {
      if (minute < this.#minute) this.#keyLookup = true;
      this.#minute = minute;
      this.#minuteText = String(minute);
      this.#index.clear();
    }
    const classIndex = (status / 100) | 0;
    let versionSlot = this.#versionSlots.get(version);
    if (versionSlot === undefined) this.#versionSlots.set(version, (versionSlot = this.#versionSlots.size));
    const slot = (versionSlot * SOURCES + SOURCE_INDEX[source]) * 8 + (classIndex > 0 && classIndex < 6 ? classIndex : 5);
    let byClient = this.#index.get(client.id);
    if (byClient === undefined) this.#index.set(client.id, (byClient = new Map()));
    let byOperation = byClient.get(operation);
    if (byOperation === undefined) byClient.set(operation, (byOperation = new Map()));
    let row = byOperation.get(slot);
    if (row !== undefined && row.generation === this.#generation) {
      row.count++;
      if (at < row.firstSeen) row.firstSeen = at;
      else if (at > row.lastSeen) row.lastSeen = at;
      return;
    }

    const statusClass = STATUS_CLASSES[classIndex] ?? '5xx';
    const key = client.id + '\0' + version + '\0' + source + '\0' + operation + '\0' + statusClass + '\0' + this.#minuteText;
    if (this.#keyLookup) {
      // The row may exist without the index knowing it (merged back after a failed flush).
      row = this.#rows.get(key);
      if (row !== undefined) {
        row.generation = this.#generation;
        byOperation.set(slot, row);
        row.count++;
        if (at < row.firstSeen) row.firstSeen = at;
        else if (at > row.lastSeen) row.lastSeen = at;
        return;
      }
    }
    if (this.#rows.size + this.#inFlight >= this.#bufferLimit) {
      this.#dropped++;
      return;
    }
    row = {
      client: client.id, version, source, operation, statusClass, granularity: 'minute', bucket: minute,
      count: 1, firstSeen: at, lastSeen: at, generation: this.#generation,
    };
    this.#rows.set(key, row);
    byOperation.set(slot, row);
    // Half the buffer in distinct rows before the interval is up (many clients at once): flush now,
    // off this call, rather than drop counts at the limit (the limit is for a store that is down).
    if (this.#rows.size === this.#earlyFlushRows && this.#flushing === undefined && this.#timers.length > 0) {
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
          for (const row of this.#rows.values()) counts += row.count;
          this.#logger.error({ err, rows: this.#rows.size, counts }, 'usage store unreachable at shutdown: these usage counts are lost');
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
    if (this.#rows.size === 0) return;
    const rows = this.#rows;
    const clients = this.#clients;
    this.#rows = new Map();
    this.#clients = new Map();
    this.#generation++;
    this.#keyLookup = false;
    this.#inFlight = rows.size;
    // In chunks, the event loop served between them: one 10,000-client batch held it ~100 ms on
    // SQLite (issue 10). A chunk that fails puts back only itself and the chunks after it, so
    // nothing written is counted twice.
    const rowList = [...rows.values()];
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
      this.#mergeBack(unwritten(rows, written), unwritten(clients, written));
      this.#onFlushFailure();
      if (!this.#failing) this.#logger.warn({ err, rows: this.#rows.size }, 'usage flush failed; counts stay buffered and are retried');
      else this.#logger.debug({ err, rows: this.#rows.size }, 'usage flush failed again');
      this.#failing = true;
      throw err;
    }
    this.#inFlight = 0;
    if (this.#failing) {
      this.#failing = false;
      this.#logger.info({ rows: rows.size }, 'usage store reachable again; buffered counts flushed');
    }
  }

  /** Put a failed batch back: counts add to rows recorded meanwhile, nothing is lost. */
  #mergeBack(rows: Map<string, LiveRow>, clients: Map<string, ClientInfo>): void {
    this.#keyLookup = true;
    for (const [key, row] of rows) {
      const current = this.#rows.get(key);
      if (current === undefined) {
        this.#rows.set(key, row);
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

/** The entries of `map` from position `from` on (its insertion order, the order chunks were cut in). */
function unwritten<V>(map: Map<string, V>, from: number): Map<string, V> {
  if (from === 0) return map;
  const out = new Map<string, V>();
  let i = 0;
  for (const [key, value] of map) if (i++ >= from) out.set(key, value);
  return out;
}
