/** Opening the configured usage store (DESIGN.md "Stores"): SQLite embedded, PostgreSQL for fleets. */

import type { Logger } from 'pino';
import type { GatewayConfig } from '../../config/types.js';
import type { UsageStore } from './types.js';
import { SqliteStore } from './sqlite.js';
import { PostgresStore } from './postgres.js';

export interface OpenStoreOptions {
  /** Where a store reports trouble that no caller sees (PostgreSQL pool errors on idle connections). */
  logger?: Logger;
}

/** The configured store, not yet initialised: call `init()` before anything else. */
export function openStore(config: GatewayConfig['store'], options: OpenStoreOptions = {}): UsageStore {
  return config.kind === 'sqlite'
    ? new SqliteStore(config.file)
    : new PostgresStore(config.url, options);
}
