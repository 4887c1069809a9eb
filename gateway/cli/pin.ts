/**
 * `verso pin list | set CLIENT VERSION | clear CLIENT`: client pins, written straight to the
 * configured store. Running gateways read pins from the store every `pins.refresh`, so a change
 * made here reaches them within that interval. The version is read like a request's: id, alias
 * or date.
 */

import { loadConfigFile } from '../config/load.js';
import type { GatewayConfig } from '../config/types.js';
import { pinsResponse } from '../usage/report.js';
import { adminPin, SunsetPin } from '../usage/pins.js';
import type { Pin, UsageStore } from '../usage/store/types.js';
import { stdio, STORE_FAILED, USAGE, type Io } from './io.js';
import { cliNow, openConfiguredStore } from './store.js';
import { formatTable } from './table.js';
import { resolveVersion } from './version-arg.js';

export interface PinOptions { config: string }
export interface PinListOptions extends PinOptions { format: 'table' | 'json' }

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Said after every change: when gateways see it, or that they ignore pins altogether. */
function pickUp(config: GatewayConfig): string {
  return config.pins.enabled
    ? `running gateways pick this up within ${seconds(config.pins.refreshMs)} (pins.refresh)`
    : `note: resolve.order in ${config.file} does not list pin, so gateways ignore pins until it does`;
}

async function withStore(config: GatewayConfig, command: string, io: Io, fn: (store: UsageStore) => Promise<number>): Promise<number> {
  const opened = await openConfiguredStore(config, command, io, false);
  if ('exit' in opened) return opened.exit;
  const { store } = opened;
  try {
    return await fn(store);
  } catch (err) {
    io.err(`verso ${command}: the usage store (${store.kind}) failed: ${(err as Error).message}\n`);
    return STORE_FAILED;
  } finally {
    await store.close();
  }
}

export async function pinListCommand(options: PinListOptions, io: Io = stdio): Promise<number> {
  return withStore(loadConfigFile(options.config), 'pin list', io, async (store) => {
    const body = pinsResponse(await store.listPins());
    if (options.format === 'json') io.out(`${JSON.stringify(body, null, 2)}\n`);
    else if (body.pins.length === 0) io.out('No pins.\n');
    else io.out(formatTable(['CLIENT', 'VERSION', 'PINNED AT', 'BY'], body.pins.map((p) => [p.client, p.version, p.pinned_at, p.by])));
    return 0;
  });
}

export async function pinSetCommand(client: string, version: string, options: PinOptions, io: Io = stdio): Promise<number> {
  const now = cliNow();
  const config = loadConfigFile(options.config);
  if (client.trim() === '') {
    io.err('verso pin set: the client id must not be empty\n');
    return USAGE;
  }
  const resolved = resolveVersion(config, version);
  if ('problem' in resolved) {
    io.err(`verso pin set: ${resolved.problem}\n`);
    return USAGE;
  }
  let wanted: Pin;
  try {
    wanted = adminPin(client, resolved.id, config.versions, now);
  } catch (err) {
    if (!(err instanceof SunsetPin)) throw err;
    io.err(`verso pin set: ${err.version} is sunset, so every request of a client pinned to it would get 410 Gone; pick a version still served (${err.served.join(', ')})\n`);
    return USAGE;
  }
  return withStore(config, 'pin set', io, async (store) => {
    const pin = await store.setPin(wanted, false);
    io.out(`pinned ${JSON.stringify(pin.client)} to ${pin.version}\n`);
    io.err(`${pickUp(config)}\n`);
    return 0;
  });
}

export async function pinClearCommand(client: string, options: PinOptions, io: Io = stdio): Promise<number> {
  const config = loadConfigFile(options.config);
  return withStore(config, 'pin clear', io, async (store) => {
    if (!(await store.clearPin(client))) {
      io.err(`verso pin clear: ${JSON.stringify(client)} has no pin (verso pin list shows them)\n`);
      return USAGE;
    }
    io.out(`cleared the pin of ${JSON.stringify(client)}\n`);
    io.err(`${pickUp(config)}\n`);
    return 0;
  });
}
