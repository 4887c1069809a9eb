/**
 * `verso start --workers N` (config `workers: N | auto`): node:cluster workers sharing the public
 * listener, one primary answering the admin listener for the whole gateway (issue 13).
 *
 *   primary   loads and validates the config, opens the usage store (its schema migrated once,
 *             before any worker starts), serves the admin listener: health, the usage API and
 *             pins from the shared store, `/metrics` aggregated over the workers (prom-client's
 *             AggregatorRegistry), reload. Forks the workers, restarts one that dies (with
 *             backoff, logged), carries every good reload to them, and drains them on SIGTERM.
 *   worker    a whole gateway on the public listener only; records its own usage to the store
 *             (additive upserts, so every count arrives exactly once: SQLite in WAL mode with a
 *             busy timeout, PostgreSQL as for replicas) and refreshes pins from it every
 *             `pins.refresh`, as replicas do. A worker's unflushed counts are the stated crash loss.
 */

import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry } from 'prom-client';
import { ConfigError } from '../config/load.js';
import type { GatewayConfig } from '../config/types.js';
import { loadEverything, type ReloadResult, type ReloadTrigger } from '../reload.js';
import { createGateway, type Gateway } from '../server.js';
import { announce, onSignals } from './start.js';

/** Messages between the primary and its workers (over the cluster IPC channel). */
type ToWorker = { verso: 'reload'; trigger: ReloadTrigger; id: number } | { verso: 'stop' };
type FromWorker = { verso: 'listening'; url: string } | { verso: 'reloaded'; id: number; result: ReloadResult };

const RELOAD_TIMEOUT_MS = 60_000;
/** Restart backoff: 1 s, doubling per crash within the last minute, at most 30 s. */
const backoff = (recentCrashes: number) => Math.min(30_000, 1000 * 2 ** Math.max(0, recentCrashes - 1));

/** The worker count a config and `--workers` ask for: a number, or `auto` (one per core). */
export function workerCount(config: GatewayConfig, flag: string | undefined): number {
  const wanted = flag ?? config.workers;
  if (wanted === 'auto') return availableParallelism();
  const n = Number(wanted);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new ConfigError(config.file, [{ path: ['workers'], message: `--workers must be a whole number from 1 to 256 or "auto"; got "${String(wanted)}"` }]);
  return n;
}

/** The primary: admin listener, workers forked and watched. Resolves once every worker listens. */
export async function startPrimary(configFile: string, workers: number, print: (line: string) => void): Promise<void> {
  const { config, translator, hash } = await loadEverything(configFile);
  if (config.store.kind === 'sqlite' && config.store.file === ':memory:') {
    throw new ConfigError(config.file, [{ path: ['store', 'sqlite'], message: `an in-memory SQLite store is private to each process; with ${workers} workers, give store.sqlite a file or use store.postgres` }]);
  }
  const aggregator = new AggregatorRegistry();
  const listeningIds = new Set<number>();
  const workerReloads = new Map<number, (result: ReloadResult) => void>();
  let reloadIds = 0;

  // Carry a reload the primary has validated to every worker; the gateway's result is theirs.
  const broadcastReload = async (trigger: ReloadTrigger, here: ReloadResult): Promise<ReloadResult> => {
    const results = await Promise.all(Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected()).map((worker) => new Promise<ReloadResult>((resolve) => {
      const id = ++reloadIds;
      const timer = setTimeout(() => {
        workerReloads.delete(id);
        resolve({ ...here, result: 'failure', problems: [`worker ${worker.id} did not answer the reload within ${RELOAD_TIMEOUT_MS / 1000} s`] });
      }, RELOAD_TIMEOUT_MS);
      workerReloads.set(id, (result) => { clearTimeout(timer); resolve(result); });
      worker.send({ verso: 'reload', trigger, id } satisfies ToWorker);
    })));
    const failed = results.filter((r) => r.result === 'failure');
    if (failed.length === 0) return here;
    return { ...here, result: 'failure', problems: failed.flatMap((r) => r.problems ?? []) };
  };

  const gateway = createGateway(config, {
    translator,
    hash,
    broadcastReload,
    exposeMetrics: async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() }),
    // Workers that have said they listen and are still connected.
    workers: () => ({ running: Object.values(cluster.workers ?? {}).filter((w) => w?.isConnected() && listeningIds.has(w.id)).length, wanted: workers }),
  });
  const { adminUrl } = await gateway.listen({ public: false });
  const log = gateway.logger.child({ component: 'cluster' });

  let stopping = false;
  const crashes: number[] = [];
  const urls: string[] = [];
  let allListening: () => void = () => {};
  const listening = new Promise<void>((resolve) => { allListening = resolve; });

  const fork = () => {
    const worker = cluster.fork({ VERSO_WORKER: '1' });
    worker.once('online', () => log.info({ worker: worker.id, pid: worker.process.pid }, 'worker started'));
    worker.on('message', (message: FromWorker) => {
      if (message?.verso === 'listening') {
        listeningIds.add(worker.id);
        urls.push(message.url);
        if (urls.length === workers) allListening();
      } else if (message?.verso === 'reloaded') {
        workerReloads.get(message.id)?.(message.result);
        workerReloads.delete(message.id);
      }
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && crashes[0] < now - 60_000) crashes.shift();
    const delay = backoff(crashes.length);
    log.error({ worker: worker.id, pid: worker.process.pid, code, signal, restart_in_ms: delay }, 'worker exited; starting another');
    setTimeout(() => { if (!stopping) fork(); }, delay).unref();
  });
  for (let i = 0; i < workers; i++) fork();
  await listening;

  announce({ config, translator, url: urls[0], adminUrl, print, workers });
  gateway.logger.info({ url: urls[0], admin_url: adminUrl, workers, config: config.file }, 'verso listening');

  onSignals(gateway, {
    reload: () => gateway.reload('signal'),
    // Every worker drains its in-flight requests and flushes its counts; then the primary closes.
    stop: async () => {
      stopping = true;
      const exits = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined).map((worker) => new Promise<void>((resolve) => {
        if (worker.isDead()) return resolve();
        worker.once('exit', () => resolve());
        // A message, not SIGTERM: a worker that also got the signal from its process group
        // (Ctrl+C, `timeout`) must not read the second one as "exit now".
        worker.send({ verso: 'stop' } satisfies ToWorker);
      }));
      await Promise.all(exits);
      await gateway.close();
    },
  });
}

/** A worker: the public listener only, reloading when the primary says so. */
export async function startWorker(configFile: string): Promise<void> {
  // Listening on IPC first: a 'message' listener keeps the channel, and so the process, alive
  // while the primary answers this worker's listen request.
  let gateway: Gateway | undefined;
  let draining: Promise<void> | undefined;
  // Drain once, whoever asks: the primary's message, or SIGTERM/SIGINT sent to the process group.
  const drain = () => {
    draining ??= (async () => {
      gateway?.logger.info('shutting down: draining in-flight requests');
      await gateway?.close().catch((err: unknown) => gateway?.logger.error({ err }, 'shutdown failed'));
      process.exit(0);
    })();
  };
  process.on('message', (message: ToWorker) => {
    if (message?.verso === 'stop') return drain();
    if (message?.verso !== 'reload' || !gateway) return;
    void gateway.reload(message.trigger).then((result) => process.send?.({ verso: 'reloaded', id: message.id, result } satisfies FromWorker));
  });
  process.on('SIGTERM', drain);
  process.on('SIGINT', drain);
  // The primary coordinates reloads; a SIGHUP sent to the whole process group must not stop a worker.
  process.on('SIGHUP', () => undefined);

  const { config, translator, hash } = await loadEverything(configFile);
  const id = cluster.worker?.id ?? 0;
  gateway = createGateway(config, { translator, hash, logBindings: { worker: id, pid: process.pid }, watch: false });
  // The primary's AggregatorRegistry asks each worker for its registry.
  AggregatorRegistry.setRegistries([gateway.metrics.registry]);
  new AggregatorRegistry();
  const { url } = await gateway.listen({ admin: false });
  process.send?.({ verso: 'listening', url } satisfies FromWorker);
}
