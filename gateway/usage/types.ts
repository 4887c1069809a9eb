/**
 * The shapes usage data takes: what the recorder counts, what a store keeps, and the JSON the
 * admin API, the dashboard and `verso report` show. One file so the store, the reports and the
 * dashboard agree on them.
 */

import type { ResolutionSource } from '../config/types.js';
import type { ClientIdentity } from '../clients/identify.js';

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
  /** Insert a pin; with `onlyIfAbsent` an existing pin wins and is returned instead. */
  setPin(pin: Pin, onlyIfAbsent: boolean): Promise<Pin>;
  /** Whether a pin existed. */
  clearPin(client: string): Promise<boolean>;
  close(): Promise<void>;
}

// ---- JSON on the admin API (snake_case, instants as RFC 3339 strings) ------------------------

/** `GET /usage?by=version|client|operation&from=&to=&version=&client=&limit=` */
export interface UsageReport {
  from: string;
  to: string;
  by: 'version' | 'client' | 'operation';
  total_requests: number;
  /** How many groups there are in all (`groups` may be cut at `limit`). */
  group_count: number;
  groups: UsageReportGroup[];
}

export interface UsageReportGroup {
  /** The version id, client id or operation key. */
  key: string;
  /** Client groups: the label from config, when there is one. */
  label?: string;
  /** Version groups: whether the version is deprecated or sunset now. */
  deprecated?: boolean;
  requests: number;
  first_seen: string;
  last_seen: string;
}

/** `GET /usage/series?from=&to=&step=` — versions over time, for the dashboard's chart. */
export interface UsageSeries {
  from: string;
  to: string;
  step_seconds: number;
  /** Bucket starts, RFC 3339, oldest first. */
  buckets: string[];
  /** One line per version that has traffic in the range, oldest version first; `counts[i]` is for `buckets[i]`. */
  versions: { version: string; deprecated: boolean; counts: number[] }[];
}

/** `GET /usage/deprecated?from=&to=&limit=` — who still calls deprecated or sunset versions. */
export interface DeprecatedReport {
  generated_at: string;
  from: string;
  to: string;
  head: string;
  total_requests: number;
  deprecated_requests: number;
  /** deprecated_requests / total_requests, 0 when there is no traffic. */
  deprecated_share: number;
  /** Distinct clients that called a deprecated or sunset version: a client on two of them counts once (issue 9). */
  deprecated_client_count: number;
  /** Every version that is deprecated or sunset now, oldest first, even when nobody calls it. */
  versions: DeprecatedVersion[];
}

export interface DeprecatedVersion {
  version: string;
  status: 'deprecated' | 'sunset';
  deprecated_since?: string;
  sunset?: string;
  /** Whole days from now to the sunset (0 or negative once past); absent without a sunset. */
  days_to_sunset?: number;
  successor?: string;
  requests: number;
  client_count: number;
  /** Most requests first; cut at `limit`. */
  clients: DeprecatedClient[];
}

export interface DeprecatedClient {
  client: string;
  label?: string;
  kind: ClientInfo['kind'];
  verified?: boolean;
  requests: number;
  first_seen: string;
  last_seen: string;
  operations: { operation: string; requests: number; last_seen: string }[];
  /** Changes between this version and the head that touch the operations this client calls. */
  impact: ImpactChange[];
}

export interface ImpactChange {
  /** `2024-09-01/order-amount-minor-units` */
  change: string;
  /** The version that introduced it. */
  version: string;
  description: string;
  /** The operations (of those the client calls) it touches. */
  operations: string[];
}

/** `GET /usage/clients/:id` — drill-down for one client. */
export interface ClientDetail {
  client: string;
  label?: string;
  kind: ClientInfo['kind'];
  verified?: boolean;
  pin?: string;
  from: string;
  to: string;
  requests: number;
  first_seen?: string;
  last_seen?: string;
  versions: { version: string; deprecated: boolean; requests: number; last_seen: string }[];
  operations: { operation: string; version: string; requests: number; last_seen: string }[];
  /** Impact per deprecated version the client calls. */
  impact: { version: string; changes: ImpactChange[] }[];
}

/** `GET /pins` */
export interface PinsResponse {
  pins: { client: string; version: string; pinned_at: string; by: Pin['by'] }[];
}
