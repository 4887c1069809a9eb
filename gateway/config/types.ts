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

export type RawClientRule = { header: string } | { remoteAddress: true };

export interface RawUpstream {
  url: string;
  speaks: string;
  timeout: number | string;
  connectTimeout: number | string;
  health?: string;
}

export interface RawRoute {
  prefix: string;
  upstream: string;
  overrides: { versions: string[]; upstream: string }[];
}

export interface RawConfig {
  listen: { host: string; port: number };
  admin: { host: string; port: number };
  versions: RawVersion[];
  resolve: {
    order: ResolutionSource[];
    header: string;
    query: string;
    mediaType: { parameter: string; vendor?: string };
    default: string;
    responseHeader: string;
  };
  clients: RawClientRule[];
  upstreams: Record<string, RawUpstream>;
  routes: RawRoute[];
  translation?: { spec: string; changes: string };
  proxy: { bodyLimit: number | string; trustForwarded: boolean; shutdownTimeout: number | string };
  log: { level: string };
  problems: { baseUrl: string };
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

export type ClientRule = { kind: 'header'; header: string } | { kind: 'remote-address' };

export interface UpstreamConfig {
  name: string;
  url: string;
  /** Canonical id of the version this upstream implements. */
  speaks: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  health?: string;
}

export interface RouteConfig {
  prefix: string;
  upstream: string;
  /** Canonical version id → upstream name, for versions served elsewhere. */
  overrides: Map<string, string>;
}

export interface GatewayConfig {
  /** The file this was loaded from, for messages. */
  file: string;
  listen: { host: string; port: number };
  admin: { host: string; port: number };
  versions: VersionConfig[];
  head: string;
  resolve: {
    order: ResolutionSource[];
    /** Request header name as configured (match it case-insensitively). */
    header: string;
    query: string;
    mediaType: { parameter: string; vendor?: string };
    /** Canonical id used when no source names a version. */
    default: string;
    responseHeader: string;
  };
  clients: ClientRule[];
  upstreams: Map<string, UpstreamConfig>;
  routes: RouteConfig[];
  /** Head OpenAPI document and changes folder, relative to the config file; absent = passthrough only. */
  translation?: { spec: string; changes: string };
  proxy: { bodyLimit: number; trustForwarded: boolean; shutdownTimeoutMs: number };
  log: { level: string };
  problems: { baseUrl: string };
}
