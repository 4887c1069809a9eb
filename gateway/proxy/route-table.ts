/**
 * Path prefix → upstream, with per-version overrides (`2024-01-01` traffic to a legacy service
 * while newer traffic goes to the new one). Longest prefix wins; a prefix matches itself and what
 * lies below it (`/orders` matches `/orders` and `/orders/1`, never `/ordersx`).
 */

import type { GatewayConfig, RouteConfig, UpstreamConfig, VersionConfig } from '../config/types.js';

export interface Route {
  prefix: string;
  /** `/orders/*`: how usage names requests under this prefix that no spec operation matches. */
  wildcard: string;
  /** Upstream for a version: its override if any, else the route's upstream. */
  upstreamFor(version: VersionConfig): UpstreamConfig;
}

interface CompiledRoute extends Route { below: string }

export class RouteTable {
  private readonly routes: CompiledRoute[];

  constructor(config: GatewayConfig) {
    this.routes = [...config.routes]
      .sort((a, b) => b.prefix.length - a.prefix.length)
      .map((route) => compile(route, config));
  }

  match(path: string): Route | undefined {
    for (const route of this.routes) {
      if (path === route.prefix || path.startsWith(route.below)) return route;
    }
    return undefined;
  }
}

function compile(route: RouteConfig, config: GatewayConfig): CompiledRoute {
  const byVersion = new Map<string, UpstreamConfig>();
  const fallback = config.upstreams.get(route.upstream)!;
  for (const version of config.versions) {
    const name = route.overrides.get(version.id);
    byVersion.set(version.id, name === undefined ? fallback : config.upstreams.get(name)!);
  }
  return {
    prefix: route.prefix,
    below: route.prefix === '/' ? '/' : `${route.prefix}/`,
    wildcard: route.prefix === '/' ? '/*' : `${route.prefix}/*`,
    upstreamFor: (version) => byVersion.get(version.id) ?? fallback,
  };
}
