/**
 * The demo as a user's project on disk: its gateway.yaml, specs/ and versions/ copied into a
 * folder of the test's, and a gateway started from such a config file as `verso start` starts it
 * (loadEverything), so reloads, `verso lock` and `verso types` work on files the test may edit.
 */

import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEverything } from '../../gateway/reload.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../gateway/server.js';
import { captureLogs } from './servers.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Copy the demo's specs/ and versions/ (and gateway.yaml unless `config` is false) into `dir`,
 * without its lock folder and types file unless asked for.
 */
export function copyDemoProject(dir: string, { config = true, lock = false, types = false }: { config?: boolean; lock?: boolean; types?: boolean } = {}): void {
  cpSync(join(ROOT, 'specs'), join(dir, 'specs'), { recursive: true });
  cpSync(join(ROOT, 'versions'), join(dir, 'versions'), {
    recursive: true,
    filter: (src) => (lock || !src.includes(join('versions', 'lock'))) && (types || !src.endsWith('verso-types.d.ts')),
  });
  if (config) cpSync(join(ROOT, 'gateway.yaml'), join(dir, 'gateway.yaml'));
}

export interface ProjectGateway { gateway: Gateway; url: string; adminUrl: string; logs: Record<string, unknown>[] }

/** A gateway from the config file `file`, its spec and changes, listening, with its log lines captured. */
export async function startProjectGateway(file: string, options: Omit<GatewayOptions, 'logStream' | 'translator' | 'hash'> = {}): Promise<ProjectGateway> {
  const { config, translator, hash } = await loadEverything(file);
  const { logs, logStream } = captureLogs();
  const gateway = createGateway(config, { ...options, translator, hash, logStream });
  const { url, adminUrl } = await gateway.listen();
  return { gateway, url, adminUrl, logs };
}

export interface ProjectYamlOptions {
  /** When 2024-01-01 was deprecated (default 2025-01-01): each test's reloads move it to show a reload took effect. */
  deprecated?: string;
  adminPort?: number;
  token?: string;
  watch?: boolean;
  level?: string;
  /** Appended as it is (a key that breaks the config, for a failed reload). */
  extra?: string;
}

/** A gateway.yaml for a copy of the demo project (copyDemoProject) in front of `upstream`, on free ports, with an in-memory store. */
export function projectYaml(upstream: string, options: ProjectYamlOptions = {}): string {
  return `listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: ${options.adminPort ?? 0}${options.token ? `, token: ${options.token}` : ''} }
store: { sqlite: ":memory:" }
reload: { watch: ${options.watch ?? false} }
log: { level: ${options.level ?? 'info'} }
versions:
  - id: "2023-06-01"
  - id: "2024-01-01"
    deprecated: "${options.deprecated ?? '2025-01-01'}"
    sunset: "2027-01-31"
  - id: "2024-09-01"
  - id: "2025-06-01"
upstreams:
  shop: { url: "${upstream}", speaks: head }
routes:
  - { prefix: /orders, upstream: shop }
  - { prefix: /customers, upstream: shop }
translation:
  spec: specs/shop.openapi.yaml
  changes: versions
${options.extra ?? ''}`;
}

/** The Deprecation header for a date (RFC 9745: `@` and Unix seconds). */
export const deprecationOf = (date: string) => `@${Date.parse(`${date}T00:00:00Z`) / 1000}`;
