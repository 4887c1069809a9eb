/**
 * Two shapes of the configuration: `RawConfig` is the YAML after schema validation and defaults;
 * `GatewayConfig` is what the rest of the gateway uses, with durations in milliseconds, sizes in
 * bytes, instants as epoch milliseconds and every version reference resolved to a canonical id.
 */

import type { RESOLUTION_SOURCES } from './schema.js';

export type ResolutionSource = (typeof RESOLUTION_SOURCES)[number];

export interface RawBrownout { start: string; end: string; percentage: number }

export interface RawVersion {
  id: string;
  aliases: string[];
  docs?: string;
  deprecationLink?: string;
  deprecated?: string;
  sunset?: string;
  successor?: string;
  brownouts: RawBrownout[];
}

export type RawClientRule =
  | { header: string }
  | { apiKey: { header: string; salt: string; labels: Record<string, string> } }
  | { jwt: { header: string; claim: string; secret?: string; jwks?: string; issuer?: string; audience?: string } }
  | { remoteAddress: true };

export interface RawUpstream {
  url: string;
  speaks: string;
  timeout: number | string;
  connectTimeout: number | string;
  connections: number;
  queueLimit: number;
  health?: string;
}

export interface RawRoute {
  prefix: string;
  upstream: string;
  websocket: boolean;
  overrides: { versions: string[]; upstream: string }[];
}

export interface RawConfig {
  listen: { host: string; port: number; headersTimeout: number | string; bodyTimeout: number | string; requestTimeout: number | string; keepAliveTimeout: number | string; connectionsCheckingInterval: number | string };
  admin: { host: string; port: number; token?: string };
  versions: RawVersion[];
  resolve: {
    order: ResolutionSource[];
    header: string;
    query: string;
    mediaType: { parameter: string; vendor?: string; unknownVendor: 'ignore' | 'reject' };
    default: string;
    responseHeader: string;
  };
  clients: RawClientRule[];
  upstreams: Record<string, RawUpstream>;
  routes: RawRoute[];
  translation?: { spec: string; changes: string };
  proxy: { bodyLimit: number | string; translateLimit: number | string; jsonDepth: number; trustForwarded: boolean; shutdownTimeout: number | string };
  workers: number | 'auto';
  reload: { watch: boolean };
  log: { level: string };
  problems: { baseUrl: string };
  errors: { format: 'problem' | 'template'; contentType: string; template?: Record<string, unknown> };
  store: { sqlite?: string; postgres?: string };
  usage: { record: boolean; flushInterval: number | string; bufferLimit: number; rollupAfter: number | string };
  pins: { refresh: number | string; firstRequest: 'verified' | 'all'; limit: number };
}

export interface Brownout { start: number; end: number; percentage: number }

export interface VersionConfig {
  id: string;
  /** Position in the ordered list, 0 = oldest. */
  index: number;
  aliases: string[];
  docs?: string;
  deprecationLink?: string;
  /** Epoch milliseconds. */
  deprecated?: number;
  sunset?: number;
  successor?: string;
  brownouts: Brownout[];
}

/**
 * Client rules, tried in order (clients/identify.ts). Header names are lower-cased.
 * - `api-key`: the key is never kept; the client id is `key_` + the first 16 hex digits of
 *   HMAC-SHA256(salt, key), and `labels` maps such ids to a readable name.
 * - `jwt`: the claim names the client; with `secret` (HS*) or `jwksFile` (RS*, PS*, ES*, EdDSA)
 *   the token is verified first (a token that fails is ignored and the next rule is tried),
 *   without either it is read unverified and the identity says so.
 */
export type ClientRule =
  | { kind: 'header'; header: string }
  | { kind: 'api-key'; header: string; salt: string; labels: Map<string, string> }
  | { kind: 'jwt'; header: string; claim: string; secret?: string; jwksFile?: string; issuer?: string; audience?: string }
  | { kind: 'remote-address' };

export interface UpstreamConfig {
  name: string;
  url: string;
  /** Canonical id of the version this upstream implements. */
  speaks: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Most connections open to it at once (undici Pool `connections`). */
  connections: number;
  /** Most requests waiting for one of them; past it, 503. */
  queueLimit: number;
  health?: string;
}

export interface RouteConfig {
  prefix: string;
  upstream: string;
  /** Whether WebSocket upgrades on this route are proxied. */
  websocket: boolean;
  /** Canonical version id → upstream name, for versions served elsewhere. */
  overrides: Map<string, string>;
}

export interface GatewayConfig {
  /** The file this was loaded from, for messages. */
  file: string;
  listen: { host: string; port: number; timeouts: ListenerTimeouts };
  admin: {
    host: string;
    port: number;
    /** Bearer token for every admin route but the health probes; required when host is not loopback. */
    token?: string;
  };
  versions: VersionConfig[];
  head: string;
  resolve: {
    order: ResolutionSource[];
    /** Request header name as configured (match it case-insensitively). */
    header: string;
    query: string;
    mediaType: { parameter: string; vendor?: string; unknownVendor: 'ignore' | 'reject' };
    /** Canonical id used when no source names a version. */
    default: string;
    responseHeader: string;
  };
  clients: ClientRule[];
  upstreams: Map<string, UpstreamConfig>;
  routes: RouteConfig[];
  /** Head OpenAPI document and changes folder, relative to the config file; absent = passthrough only. */
  translation?: { spec: string; changes: string };
  proxy: { bodyLimit: number; translateLimit: number; jsonDepth: number; trustForwarded: boolean; shutdownTimeoutMs: number };
  workers: number | 'auto';
  reload: { watch: boolean };
  log: { level: string };
  problems: { baseUrl: string };
  errors: { format: 'problem' | 'template'; contentType: string; template?: Record<string, unknown> };
  /**
   * Where usage counts and pins live: exactly one of the two. `sqlite` is an absolute file path
   * (resolved against the config file's folder) or ":memory:"; `postgres` a connection string.
   */
  store: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  usage: {
    /** Record usage at all (off: no store writes, reports show nothing new). */
    record: boolean;
    flushIntervalMs: number;
    /** Most distinct rows held in memory while the store is unreachable; beyond it counts are dropped (logged, counted). */
    bufferLimit: number;
    /** Minute buckets older than this are rolled up into day buckets. */
    rollupAfterMs: number;
  };
  /** Pinning is on when `resolve.order` lists `pin`. */
  pins: { enabled: boolean; refreshMs: number; firstRequest: 'verified' | 'all'; limit: number };
}

/** A key in the config file, as a path from its root (`['routes', 0, 'upstream']`). */
export type KeyPath = (string | number)[];

/** One mistake in a config file: where, what, and the line when the file is YAML. */
export interface ConfigProblem {
  path: KeyPath;
  message: string;
  line?: number;
}

/** The listeners' timeouts, in ms (listener.ts applies them; 0 turns one off where Node allows it). */
export interface ListenerTimeouts {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connectionsCheckingIntervalMs: number;
}
