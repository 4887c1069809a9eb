/**
 * What the commands that read or write the usage store (`verso report`, `verso pin`) share: the
 * configured store, opened with a message and an exit status when it cannot be, and the clock.
 *
 * The clock is the machine's; `VERSO_NOW` (an RFC 3339 instant) replaces it, for reproducible
 * output in tests and documentation.
 */

import { existsSync } from 'node:fs';
import type { GatewayConfig } from '../config/types.js';
import { parseInstant } from '../usage/report.js';
import { openStore } from '../usage/store/open.js';
import type { UsageStore } from '../usage/store/types.js';
import { STORE_FAILED, USAGE, type Io } from './io.js';

/** Now, or `VERSO_NOW` when set. */
export function cliNow(env: NodeJS.ProcessEnv = process.env): number {
  const fixed = env.VERSO_NOW;
  if (fixed === undefined || fixed === '') return Date.now();
  const ms = parseInstant(fixed, Date.now());
  if (ms === undefined) throw new Error(`VERSO_NOW must be an RFC 3339 date or date-time; got "${fixed}"`);
  return ms;
}

/**
 * Open and initialise the configured store, or say why not and give the exit status: `USAGE` for
 * a SQLite file that is not there yet when `mustExist` (a wrong --config, or a gateway that never
 * ran), `STORE_FAILED` when the store cannot be opened.
 */
export async function openConfiguredStore(config: GatewayConfig, command: string, io: Io, mustExist: boolean): Promise<{ store: UsageStore } | { exit: number }> {
  const where = config.store.kind === 'sqlite' ? config.store.file : 'PostgreSQL';
  if (mustExist && config.store.kind === 'sqlite' && config.store.file !== ':memory:' && !existsSync(config.store.file)) {
    io.err(`verso ${command}: no usage store at ${config.store.file} yet; the gateway creates it when it first starts (store.sqlite in ${config.file})\n`);
    return { exit: USAGE };
  }
  const store = openStore(config.store);
  try {
    await store.init();
    return { store };
  } catch (err) {
    await store.close().catch(() => {});
    io.err(`verso ${command}: cannot open the usage store (${where}): ${(err as Error).message}\n`);
    return { exit: STORE_FAILED };
  }
}
