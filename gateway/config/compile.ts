/** Turns a validated, checked `RawConfig` into the `GatewayConfig` the gateway runs on. */

import { impliedAliases } from '../resolve/version-id.js';
import { versionNames } from './checks.js';
import { dirname, resolve } from 'node:path';
import type { ClientRule, GatewayConfig, RawClientRule, RawConfig, UpstreamConfig, VersionConfig } from './types.js';
import { durationMs, instantMs, sizeBytes } from './units.js';

export function compileConfig(raw: RawConfig, file: string): GatewayConfig {
  const names = versionNames(raw);
  // Files a config names (SQLite store, JWKS) are relative to the config file, like translation's.
  const base = dirname(resolve(file));
  const head = raw.versions[raw.versions.length - 1].id;
  const canonical = (name: string): string => (name === 'head' ? head : raw.versions[names.get(name)!].id);

  const versions: VersionConfig[] = raw.versions.map((v, index) => ({
    id: v.id,
    index,
    // A `DATE.name` id also answers to its date and its name (resolve/version-id.ts).
    aliases: [...v.aliases, ...impliedAliases(v.id).filter((alias) => names.get(alias) === index && alias !== v.id && !v.aliases.includes(alias))],
    docs: v.docs,
    deprecationLink: v.deprecationLink,
    deprecated: v.deprecated === undefined ? undefined : instantMs(v.deprecated),
    sunset: v.sunset === undefined ? undefined : instantMs(v.sunset),
    successor: v.successor === undefined
      ? (v.deprecated !== undefined || v.sunset !== undefined ? raw.versions[index + 1]?.id : undefined)
      : canonical(v.successor),
    brownouts: v.brownouts.map((b) => ({ start: instantMs(b.start), end: instantMs(b.end), percentage: b.percentage })),
  }));

  const upstreams = new Map<string, UpstreamConfig>();
  for (const [name, u] of Object.entries(raw.upstreams)) {
    upstreams.set(name, {
      name,
      url: u.url.replace(/\/+$/, ''),
      speaks: canonical(u.speaks),
      timeoutMs: durationMs(u.timeout),
      connectTimeoutMs: durationMs(u.connectTimeout),
      connections: u.connections,
      queueLimit: u.queueLimit,
      health: u.health,
    });
  }

  return {
    file,
    listen: {
      host: raw.listen.host,
      port: raw.listen.port,
      timeouts: {
        headersTimeoutMs: durationMs(raw.listen.headersTimeout),
        bodyTimeoutMs: durationMs(raw.listen.bodyTimeout),
        requestTimeoutMs: durationMs(raw.listen.requestTimeout),
        keepAliveTimeoutMs: durationMs(raw.listen.keepAliveTimeout),
        connectionsCheckingIntervalMs: durationMs(raw.listen.connectionsCheckingInterval),
      },
    },
    admin: { ...raw.admin },
    versions,
    head,
    resolve: {
      order: [...raw.resolve.order],
      header: raw.resolve.header,
      query: raw.resolve.query,
      mediaType: { ...raw.resolve.mediaType },
      default: canonical(raw.resolve.default),
      responseHeader: raw.resolve.responseHeader,
    },
    clients: raw.clients.map((rule) => compileClientRule(rule, base)),
    upstreams,
    routes: raw.routes.map((r) => ({
      prefix: r.prefix,
      upstream: r.upstream,
      websocket: r.websocket,
      overrides: new Map(r.overrides.flatMap((o) => o.versions.map((v) => [canonical(v), o.upstream] as const))),
    })),
    translation: raw.translation ? { ...raw.translation } : undefined,
    proxy: {
      bodyLimit: sizeBytes(raw.proxy.bodyLimit),
      translateLimit: sizeBytes(raw.proxy.translateLimit),
      jsonDepth: raw.proxy.jsonDepth,
      trustForwarded: raw.proxy.trustForwarded,
      shutdownTimeoutMs: durationMs(raw.proxy.shutdownTimeout),
    },
    workers: raw.workers,
    reload: { ...raw.reload },
    log: { ...raw.log },
    problems: { ...raw.problems },
    errors: { format: raw.errors.format, contentType: raw.errors.contentType, template: raw.errors.template },
    store: raw.store.postgres !== undefined
      ? { kind: 'postgres', url: raw.store.postgres }
      : { kind: 'sqlite', file: raw.store.sqlite === ':memory:' ? ':memory:' : resolve(base, raw.store.sqlite!) },
    usage: {
      record: raw.usage.record,
      flushIntervalMs: durationMs(raw.usage.flushInterval),
      bufferLimit: raw.usage.bufferLimit,
      rollupAfterMs: durationMs(raw.usage.rollupAfter),
    },
    pins: { enabled: raw.resolve.order.includes('pin'), refreshMs: durationMs(raw.pins.refresh), firstRequest: raw.pins.firstRequest, limit: raw.pins.limit },
  };
}

function compileClientRule(rule: RawClientRule, base: string): ClientRule {
  if ('header' in rule) return { kind: 'header', header: rule.header.toLowerCase() };
  if ('apiKey' in rule) {
    return { kind: 'api-key', header: rule.apiKey.header.toLowerCase(), salt: rule.apiKey.salt, labels: new Map(Object.entries(rule.apiKey.labels)) };
  }
  if ('jwt' in rule) {
    const { header, claim, secret, jwks, issuer, audience } = rule.jwt;
    return { kind: 'jwt', header: header.toLowerCase(), claim, secret, jwksFile: jwks === undefined ? undefined : resolve(base, jwks), issuer, audience };
  }
  return { kind: 'remote-address' };
}
