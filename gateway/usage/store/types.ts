/**
 * What usage data is in the stores: the rows the recorder counts and a store keeps, clients,
 * pins, and the store interface both stores (SQLite, PostgreSQL) implement. The JSON the admin
 * API, the dashboard and `verso report` show is in ../api-types.ts.
 */

import type { ResolutionSource } from '../../config/types.js';
import type { ClientIdentity } from '../../clients/identity.js';

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

/** Bucket granularity: minute buckets are rolled up into day buckets after `usage.rollupAfter`. */
export type Granularity = 'minute' | 'day';

/** One counted cell: (client, version, source, operation, status class, bucket). */
export interface UsageRow {
  client: string;
  version: string;
  source: ResolutionSource;
  /** Head operation key such as `GET /orders/{id}`, or `GET /orders/*` for paths no operation matches. */
  operation: string;
  statusClass: StatusClass;
  granularity: Granularity;
  /** Epoch ms of the bucket's start (UTC minute or UTC day). */
  bucket: number;
  count: number;
  /** Epoch ms. */
  firstSeen: number;
  lastSeen: number;
}

/** What the store keeps about a client besides its counts (never an API key in clear). */
export interface ClientInfo {
  id: string;
  kind: ClientIdentity['by'];
  label?: string;
  /** JWT clients only: whether the token's signature was verified. */
  verified?: boolean;
}

/** One flush: rows to add (counts add up, first/last seen widen) and the clients they mention. */
export interface UsageBatch {
  rows: UsageRow[];
  clients: ClientInfo[];
}

export type Dimension = 'client' | 'version' | 'source' | 'operation' | 'statusClass';

export interface UsageFilter {
  /** Epoch ms, inclusive: buckets starting at or after it (a day bucket counts if its day starts at or after it). */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  client?: string;
  versions?: string[];
}

/** A summed group; only the dimensions asked for are set. */
export interface UsageGroup {
  client?: string;
  version?: string;
  source?: string;
  operation?: string;
  statusClass?: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

export interface SeriesPoint { bucket: number; version: string; count: number }

export interface Pin {
  client: string;
  version: string;
  /** Epoch ms. */
  pinnedAt: number;
  /** `first-request` when the gateway pinned the client, `admin` when set through /pins or `verso pin`. */
  by: 'first-request' | 'admin';
}

/**
 * A usage store. Both implementations (SQLite, PostgreSQL) pass one shared contract suite.
 * Every method may reject when the store is unreachable; callers (the recorder, the pin book)
 * keep what they hold and retry.
 */
/** Where a page of changed pins ends: the next page starts after it. */
export interface PinCursor { pinnedAt: number; client: string }

export interface UsageStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Create or migrate the schema. Idempotent; safe when several gateways start at once. */
  init(): Promise<void>;
  /** Add a batch atomically: `count = count + new`, `first_seen = min`, `last_seen = max`. */
  write(batch: UsageBatch): Promise<void>;
  /** Sums grouped by the given dimensions (none: one total group), largest count first. */
  summarize(filter: UsageFilter, by: Dimension[]): Promise<UsageGroup[]>;
  /** Counts per version per `stepMs` bucket (bucket = floor(row bucket / stepMs) * stepMs). */
  series(filter: UsageFilter, stepMs: number): Promise<SeriesPoint[]>;
  /** Client records; all of them without `ids`. */
  clients(ids?: string[]): Promise<ClientInfo[]>;
  /** Roll minute rows with bucket < `before` into day rows; returns how many minute rows were folded. */
  rollup(before: number): Promise<number>;
  listPins(): Promise<Pin[]>;
  /**
   * Up to `limit` pins as `[client, version]` pairs, the clients after `after` in the store's order
   * (`''`: from the first). What a full pin refresh reads, one page at a time, so that 200,000 pins
   * are never all in memory as rows at once.
   */
  pinPage(after: string, limit: number): Promise<[client: string, version: string][]>;
  /**
   * Pins set at `since` (epoch ms) or later, at most `limit`, in (pinnedAt, client) order after
   * `after` (none: from the first): what an incremental refresh reads, one page at a time.
   */
  changedPins(since: number, after: PinCursor | undefined, limit: number): Promise<Pin[]>;
  /** Clients whose pin was cleared after `since` (epoch ms), with when. */
  clearedPins(since: number): Promise<{ client: string; at: number }[]>;
  /** Insert a pin; with `onlyIfAbsent` an existing pin wins and is returned instead. */
  setPin(pin: Pin, onlyIfAbsent: boolean): Promise<Pin>;
  /** Whether a pin existed. The clear is remembered at `at` (default: now) for incremental refreshes. */
  clearPin(client: string, at?: number): Promise<boolean>;
  close(): Promise<void>;
}
