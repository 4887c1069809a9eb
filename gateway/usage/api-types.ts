/**
 * The JSON of the usage API on the admin listener (snake_case, instants as RFC 3339 strings), as
 * the report builders (report.ts) make it and the dashboard and `verso report` read it. What the
 * stores keep is in store/types.ts.
 */

import type { ClientInfo, Pin } from './store/types.js';

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
