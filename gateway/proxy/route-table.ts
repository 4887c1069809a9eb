/**
 * Path prefix → upstream, with per-version overrides (`2024-01-01` traffic to a legacy service
 * while newer traffic goes to the new one). Longest prefix wins; a prefix matches itself and what
 * lies below it (`/orders` matches `/orders` and `/orders/1`, never `/ordersx`).
 */

import type { GatewayConfig, RouteConfig, UpstreamConfig, VersionConfig } from '../config/types.js';

export interface Route {
  prefix: string;
  /** Whether WebSocket upgrades are proxied here (routes[].websocket). */
  websocket: boolean;
  /** `GET /orders/*`: how usage names a request under this prefix that no spec operation matches. */
  wildcard(method: string): string;
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
    websocket: route.websocket,
    below: route.prefix === '/' ? '/' : `${route.prefix}/`,
    wildcard: wildcardNames(route.prefix === '/' ? '/*' : `${route.prefix}/*`),
    upstreamFor: (version) => byVersion.get(version.id) ?? fallback,
  };
}

/** One string per method, built once: usage names every request, so no string is built per request. */
export function wildcardNames(path: string): (method: string) => string {
  const names = new Map<string, string>();
  return (method) => {
    let name = names.get(method);
    if (name === undefined) {
      name = `${method} ${path}`;
      // Methods come from the request line; only the known ones are kept.
      if (KNOWN_METHODS.has(method)) names.set(method, name);
    }
    return name;
  };
}

const KNOWN_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
