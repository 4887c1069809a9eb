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
