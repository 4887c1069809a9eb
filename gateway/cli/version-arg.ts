/** A version named on the command line, read the way a request's is: id, alias or date. */

import type { GatewayConfig, VersionConfig } from '../config/types.js';
import { VersionCatalog } from '../resolve/catalog.js';

/** `2023-06-01 (v1), 2024-01-01 (v2)` */
export function supportedVersions(versions: readonly VersionConfig[]): string {
  return versions.map((v) => (v.aliases.length ? `${v.id} (${v.aliases.join(', ')})` : v.id)).join(', ');
}

/** The canonical id `raw` names, resolved like a request's version; or a message saying why not. */
export function resolveVersion(config: GatewayConfig, raw: string): { id: string } | { problem: string } {
  const lookup = new VersionCatalog(config.versions).lookup(raw);
  if (lookup.ok) return { id: lookup.version.id };
  const why = lookup.reason === 'too-early' ? ` (it is before the first version, ${config.versions[0].id})` : '';
  return { problem: `unknown version "${raw}"${why}; supported versions: ${supportedVersions(config.versions)}` };
}
