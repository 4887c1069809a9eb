/**
 * Client pins as the request path sees them: an in-memory map, with the store as the source of
 * truth. Stripe-style pinning: a client's first request pins it to the version it used, and later
 * requests that name no version get that version.
 *
 * The request path only reads the map (`get`) and queues first-request pins (`pinFirst`); store
 * I/O happens off it. Queued pins are written soon after (a short timer) with `onlyIfAbsent`, so
 * when two replicas pin the same client at once the store keeps the first and both caches take
 * it. Every `refreshMs` the whole map is reloaded from the store, which is how pins set by other
 * replicas, by `verso pin` or cleared elsewhere arrive. Admin changes go to the store first.
 *
 * Store work runs one operation at a time (`#serial`): a reload can then never overwrite a pin
 * set or cleared while it was reading.
 */

import type { Logger } from 'pino';
import type { VersionConfig } from '../config/types.js';
import { statusAt } from '../lifecycle/lifecycle.js';
import type { Pin, PinCursor, UsageStore } from './store/types.js';

/**
 * A pin to a sunset version is refused: every request of that client would get 410 Gone. The
 * versions still served are named for the refusal's message.
 */
export class SunsetPin extends Error {
  constructor(readonly client: string, readonly version: string, readonly served: string[]) {
    super(`cannot pin ${JSON.stringify(client)} to ${version}: it is sunset`);
    this.name = 'SunsetPin';
  }
}

/**
 * The pin an operator sets (the admin API, `verso pin set`, PinBook.set): `client` to the version
 * `version` names, at `now`. Throws SunsetPin for a version past its sunset; the one place that
 * rule lives.
 */
export function adminPin(client: string, version: string, versions: readonly VersionConfig[], now: number): Pin {
  const target = versions.find((v) => v.id === version);
  if (target && statusAt(target, now) === 'sunset') {
    throw new SunsetPin(client, version, versions.filter((v) => statusAt(v, now) !== 'sunset').map((v) => v.id));
  }
  return { client, version, pinnedAt: now, by: 'admin' };
}

export interface PinBookOptions {
  refreshMs: number;
  logger: Logger;
  now?: () => number;
  /** How soon after a first request its pin is written (ms); default 100. */
  writeDelayMs?: number;
  /** The configured versions, for the rule on pins to sunset versions (adminPin). */
  versions: readonly VersionConfig[];
  /** The most pins held in memory (pins.limit): past it a first request pins no new client. Default: no bound. */
  limit?: number;
  /** Called once per first-request pin refused for the bound (a metric). */
  onRefused?: () => void;
  /** Pins read per page from the store (a refresh reads page by page); default 1,000. */
  pageSize?: number;
}

const NO_OP = (): void => {};
/** Every how many refreshes the whole pin set is read again (the incremental ones read what changed). */
const FULL_EVERY = 30;
/** How far replicas' clocks may differ for an incremental refresh still to see each other's pins. */
const CLOCK_SKEW_MS = 60_000;

export class PinBook {
  readonly #store: UsageStore;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #refreshMs: number;
  readonly #writeDelayMs: number;
  #versions: readonly VersionConfig[];
  readonly #limit: number;
  readonly #onRefused: () => void;
  readonly #pageSize: number;
  #warnedFull = false;
  /** The clock when the last refresh that reached the store began; undefined until one has. */
  #lastRefresh: number | undefined;
  #refreshesSinceFull = 0;
  /** client → version, what `get` answers. */
  #cache = new Map<string, string>();
  /** First-request pins cached but not yet in the store. */
  #queued = new Map<string, Pin>();
  #serial: Promise<unknown> = Promise.resolve();
  #refreshTimer: NodeJS.Timeout | undefined;
  #writeTimer: NodeJS.Timeout | undefined;
  #unreachable = false;
  #refreshing = false;
  #closed = false;

  constructor(store: UsageStore, options: PinBookOptions) {
    this.#store = store;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#refreshMs = options.refreshMs;
    this.#writeDelayMs = options.writeDelayMs ?? 100;
    this.#versions = options.versions;
    this.#limit = options.limit ?? Number.POSITIVE_INFINITY;
    this.#onRefused = options.onRefused ?? NO_OP;
    this.#pageSize = options.pageSize ?? 1_000;
  }

  /** A reloaded configuration's versions (issue 13): pins already held stay as they are. */
  useVersions(versions: readonly VersionConfig[]): void {
    this.#versions = versions;
  }

  /** The version `client` is pinned to. Synchronous: the request path calls it. */
  get(client: string): string | undefined {
    return this.#cache.get(client);
  }

  /** Pin a client that has none yet to `version`: cached now, written to the store shortly after. */
  pinFirst(client: string, version: string): void {
    if (this.#cache.has(client)) return;
    // The bound (pins.limit): a stream of new clients cannot grow the set without end. The client is
    // served as if unpinned; an admin pin for it still applies.
    if (this.#cache.size >= this.#limit) {
      this.#onRefused();
      if (!this.#warnedFull) this.#logger.warn({ limit: this.#limit }, 'pins.limit reached: first requests pin no new client until pins are cleared or the limit raised');
      this.#warnedFull = true;
      return;
    }
    this.#cache.set(client, version);
    this.#queued.set(client, { client, version, pinnedAt: this.#now(), by: 'first-request' });
    if (this.#writeTimer === undefined && !this.#closed) {
      this.#writeTimer = setTimeout(() => {
        this.#writeTimer = undefined;
        this.#run(() => this.#writeQueued()).catch(NO_OP);
      }, this.#writeDelayMs);
      this.#writeTimer.unref();
    }
  }

  /** Admin: pin `client` to `version`, replacing any pin. The store first, then the cache. Rejects with SunsetPin for a sunset version. */
  set(client: string, version: string): Promise<Pin> {
    let wanted: Pin;
    try {
      wanted = adminPin(client, version, this.#versions, this.#now());
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#run(async () => {
      const pin = await this.#store.setPin(wanted, false);
      this.#queued.delete(client);
      this.#cache.set(client, this.#intern(pin.version));
      return pin;
    });
  }

  /** Admin: remove a pin; whether there was one (in the store, or queued here). */
  clear(client: string): Promise<boolean> {
    return this.#run(async () => {
      const existed = await this.#store.clearPin(client, this.#now());
      const queued = this.#queued.delete(client);
      this.#cache.delete(client);
      return existed || queued;
    });
  }

  /** Every pin in the store, after writing the ones queued here. */
  list(): Promise<Pin[]> {
    return this.#run(async () => {
      await this.#writeQueued().catch(NO_OP);
      return this.#store.listPins();
    });
  }

  /**
   * Load the pins, then reload every `refreshMs` (timer unref'd). A store that cannot be reached
   * is logged and retried at each refresh; until then the cache holds only new first-request pins.
   */
  async start(): Promise<void> {
    await this.#refresh();
    if (this.#refreshTimer !== undefined || this.#closed) return;
    this.#refreshTimer = setInterval(() => {
      // A store slower than the interval gets one reload at a time, not a queue of them.
      if (!this.#refreshing) void this.#refresh();
    }, this.#refreshMs);
    this.#refreshTimer.unref();
  }

  /** Stop the timers and write queued pins (logged if the store cannot take them). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#refreshTimer);
    clearTimeout(this.#writeTimer);
    this.#refreshTimer = undefined;
    this.#writeTimer = undefined;
    await this.#run(() => this.#writeQueued()).catch((err: unknown) => {
      this.#logger.error({ err, pins: this.#queued.size }, 'pin store unreachable at shutdown: first-request pins not saved');
    });
  }

  /**
   * Write queued pins, then bring the cache up to date: what was set or cleared since the last
   * refresh (with an overlap, so replicas whose clocks differ a little still meet), or, at start,
   * after the store was unreachable, and every FULL_EVERY refreshes as a safety net, all of it.
   * An incremental refresh reads only the changes: with many pinned clients, a full reload every
   * `pins.refresh` held the event loop for long (issue 10).
   */
  #refresh(): Promise<void> {
    this.#refreshing = true;
    return this.#run(async () => {
      const started = this.#now();
      try {
        await this.#writeQueued();
        const full = this.#lastRefresh === undefined || this.#unreachable || ++this.#refreshesSinceFull >= FULL_EVERY;
        if (full) {
          // In place: a second map of every pin would double what they take in memory. Only when the
          // cache held pins the store no longer has (cleared where no incremental refresh saw it) is
          // it rebuilt.
          if (await this.#readAll(this.#cache)) {
            const cache = new Map<string, string>();
            await this.#readAll(cache);
            for (const pin of this.#queued.values()) if (!cache.has(pin.client)) cache.set(pin.client, pin.version);
            this.#cache = cache;
          }
          this.#refreshesSinceFull = 0;
          if (this.#unreachable) this.#logger.info({ pins: this.#cache.size }, 'pin store reachable again; pins reloaded');
        } else {
          const since = this.#lastRefresh! - (2 * this.#refreshMs + CLOCK_SKEW_MS);
          const clearedAt = new Map((await this.#store.clearedPins(since)).map((c) => [c.client, c.at]));
          // A page at a time, the event loop served between pages: a burst of new pins is read
          // again by every refresh within the overlap, and 200,000 of them read at once held the
          // loop for ~300 ms (issue 10).
          const pages = this.#pages<Pin, PinCursor>((after) => this.#store.changedPins(since, after, this.#pageSize), (last) => ({ pinnedAt: last.pinnedAt, client: last.client }));
          for await (const pins of pages) {
            for (const pin of pins) {
              // A pin set before its client was cleared again is gone.
              if ((clearedAt.get(pin.client) ?? -Infinity) > pin.pinnedAt) continue;
              clearedAt.delete(pin.client);
              if (!this.#queued.has(pin.client)) this.#cache.set(pin.client, this.#intern(pin.version));
            }
          }
          for (const client of clearedAt.keys()) if (!this.#queued.has(client)) this.#cache.delete(client);
        }
        this.#lastRefresh = started;
        this.#unreachable = false;
      } catch (err) {
        if (!this.#unreachable) this.#logger.warn({ err }, 'pin store unreachable; using the pins held in memory and retrying at each refresh');
        this.#unreachable = true;
      } finally {
        this.#refreshing = false;
      }
    });
  }

  /**
   * Put every pin in the store into `cache`, read a page at a time with a turn of the event loop
   * between pages: at 200,000 pins, reading them as one list of rows held the loop for long and
   * took the gateway's memory to more than twice what the pins themselves need (issue 10). Pins
   * set or cleared elsewhere meanwhile are picked up by the next incremental refresh. Whether
   * `cache` holds pins that are neither in the store nor queued here (stale ones).
   */
  async #readAll(cache: Map<string, string>): Promise<boolean> {
    let stored = 0;
    const queuedInStore = new Set<string>();
    const pages = this.#pages<[string, string], string>((after) => this.#store.pinPage(after ?? '', this.#pageSize), ([client]) => client);
    for await (const page of pages) {
      for (const [client, version] of page) {
        const pinned = this.#intern(version);
        if (cache.get(client) !== pinned) cache.set(client, pinned);
        if (this.#queued.has(client)) queuedInStore.add(client);
      }
      stored += page.length;
    }
    let queuedOnly = 0;
    for (const client of this.#queued.keys()) if (!queuedInStore.has(client)) queuedOnly++;
    return cache.size > stored + queuedOnly;
  }

  /**
   * The pages `read` gives, from the first (no cursor) to the first short one, each read after
   * the cursor of the last row of the one before (`cursor`), with a turn of the event loop
   * between them: a refresh never holds the loop for more than one page.
   */
  async *#pages<Row, Cursor>(read: (after: Cursor | undefined) => Promise<Row[]>, cursor: (last: Row) => Cursor): AsyncGenerator<Row[]> {
    for (let after: Cursor | undefined; ;) {
      const page = await read(after);
      yield page;
      if (page.length < this.#pageSize) return;
      after = cursor(page[page.length - 1]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The configured version's own string for a version id the store returned (one string for all its pins, not one each). */
  #intern(version: string): string {
    for (const v of this.#versions) if (v.id === version) return v.id;
    return version;
  }

  /** Write every queued pin with `onlyIfAbsent`; where another pin won, the cache takes it. Rejects if any write failed (those stay queued). */
  async #writeQueued(): Promise<void> {
    if (this.#queued.size === 0) return;
    const pins = [...this.#queued.values()];
    const results = await Promise.allSettled(pins.map((pin) => this.#store.setPin(pin, true)));
    let failure: unknown;
    results.forEach((result, i) => {
      const pin = pins[i];
      if (result.status === 'rejected') {
        failure ??= result.reason;
        return;
      }
      // Only if nothing replaced the queued pin meanwhile (a newer pinFirst cannot happen: the
      // client is cached; an admin set or clear removes it from the queue).
      if (this.#queued.get(pin.client) === pin) {
        this.#queued.delete(pin.client);
        this.#cache.set(pin.client, this.#intern(result.value.version));
      }
    });
    if (failure !== undefined) throw failure;
  }

  /** Run store work after the previous store work settles, one operation at a time. */
  #run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#serial.then(work, work);
    this.#serial = result.catch(NO_OP);
    return result;
  }
}
