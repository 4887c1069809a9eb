/**
 * Wiring only: builds each part from the config and connects them. The request path itself is
 * in handle-request.ts.
 */

import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { GatewayConfig } from './config/types.js';
import { clientErrorProblems, serverWith } from './listener.js';
import { countRequest, recordUsage, type CompletionStep } from './completion.js';
import { GatewayMetrics } from './metrics.js';
import { PinBook } from './usage/pins.js';
import { UsageRecorder } from './usage/recorder.js';
import { initOnDemand } from './usage/store/init-on-demand.js';
import { openStore } from './usage/store/open.js';
import type { UsageStore } from './usage/store/types.js';
import type { Translator } from './translate/translator.js';
import { createLogSink } from './log-sink.js';
import { accessLine } from './request-log.js';
import { buildGeneration, type Generation, type Shared } from './generation.js';
import { configHash, keepRestartOnly, loadEverything, problemsOf, SourceWatch, type ConfigStatus, type Loaded, type ReloadResult, type ReloadTrigger } from './reload.js';

export interface GatewayOptions {
  /** Where log lines go (default: stdout). */
  logStream?: DestinationStream;
  /** Clock and dice, injectable for tests of sunsets and brownouts. */
  now?: () => number;
  random?: () => number;
  /** The translation engine (loadTranslator); without it every request passes through. */
  translator?: Translator;
  /** The configuration's hash when the caller has it already (loadEverything); computed otherwise. */
  hash?: string;
  /** How a reload reads the configuration (default: the config file, its spec and changes, afresh). */
  load?: (file: string) => Promise<Loaded>;
  /** Added to every log line (a worker's id under `--workers`). */
  logBindings?: Record<string, unknown>;
  /** Whether `reload.watch` applies here (under `--workers`, only the primary watches). */
  watch?: boolean;
  /**
   * Under `--workers`, the primary's: once this process has reloaded, bring the workers along; the
   * result is the whole gateway's (cluster.ts).
   */
  broadcastReload?: (trigger: ReloadTrigger, here: ReloadResult) => Promise<ReloadResult>;
  /** What `GET /metrics` answers (default: this process's registry; the primary aggregates its workers'). */
  exposeMetrics?: () => Promise<{ contentType: string; body: string }>;
  /** Under `--workers`, the primary's: how many workers run, for `/health/ready`. */
  workers?: () => { running: number; wanted: number };
}

/** Which listeners `listen` opens: under `--workers` the primary has the admin one, the workers the public one. */
export interface ListenOptions { public?: boolean; admin?: boolean }

export interface Gateway {
  /** The configuration now running (a reload replaces it). */
  readonly config: GatewayConfig;
  readonly translator: Translator | undefined;
  /** The node:http servers under the public and admin listeners. */
  server: Server;
  adminServer: Server;
  logger: Logger;
  metrics: GatewayMetrics;
  store: UsageStore;
  /** Absent when `usage.record` is false. */
  recorder?: UsageRecorder;
  /** Absent when pinning is off. */
  pins?: PinBook;
  /** Start both listeners (or those `which` names); resolves to their URLs. */
  listen(which?: ListenOptions): Promise<{ url: string; adminUrl: string }>;
  /**
   * Read the configuration afresh and swap it in if all of it is valid; requests in flight finish
   * on the one they started with. Never rejects: a failed reload keeps the running configuration
   * and says why in its result.
   */
  reload(trigger: ReloadTrigger): Promise<ReloadResult>;
  status(): ConfigStatus;
  /** Graceful shutdown: stop accepting, let in-flight requests finish (up to shutdownTimeout). */
  close(): Promise<void>;
}

export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const logger = pino({ level: config.log.level, base: { service: 'verso', ...options.logBindings } }, options.logStream ?? createLogSink());
  let closing = false;
  const now = options.now ?? Date.now;

  // Usage: counted in memory on the request path, flushed to the store off it (usage/recorder.ts).
  const metrics = new GatewayMetrics();
  const store = initOnDemand(openStore(config.store, { logger: logger.child({ component: 'store' }) }));
  const recorder = config.usage.record
    ? new UsageRecorder(store, {
      flushIntervalMs: config.usage.flushIntervalMs,
      bufferLimit: config.usage.bufferLimit,
      rollupAfterMs: config.usage.rollupAfterMs,
      logger: logger.child({ component: 'usage' }),
      now,
      onFlushFailure: () => metrics.flushFailures.inc(),
      onDropped: (counts) => metrics.dropped.inc(counts),
    })
    : undefined;
  // The pin book serves /pins whether or not pinning is on; requests consult it only when it is.
  const pinBook = new PinBook(store, {
    refreshMs: config.pins.refreshMs, logger: logger.child({ component: 'pins' }), now, versions: config.versions,
    limit: config.pins.limit, onRefused: () => metrics.pinsRefused.inc(),
  });
  const pins = config.pins.enabled ? pinBook : undefined;

  const shared: Shared = {
    logger,
    metrics,
    store,
    recorder,
    pinBook,
    now,
    random: options.random ?? Math.random,
    isClosing: () => closing,
    // Once a response has finished: its usage row, the request counter, the access line.
    completion: [
      ...(recorder ? [recordUsage(recorder, now)] : []),
      countRequest(metrics, now),
      accessLine(logger),
    ] satisfies CompletionStep[],
    reload: (trigger) => reload(trigger),
    configStatus: () => status(),
    exposeMetrics: options.exposeMetrics ?? (() => metrics.expose()),
    workers: options.workers,
  };

  // Each configuration runs as a generation (generation.ts); the listeners outlive them all and
  // hand every new request to the current one.
  let current: Generation | undefined;
  let pending: Promise<Generation> | undefined = buildGeneration(config, options.translator, options.hash ?? configHash(config), shared).then((g) => (current = g));
  const generation = () => current!;
  const server = serverWith(config.listen.timeouts)((req, res) => generation().servePublic(req, res));
  const adminServer = serverWith(config.listen.timeouts)((req, res) => generation().serveAdmin(req, res));
  // WebSocket handshakes: the current generation resolves, routes and tunnels them (proxy/upgrade.ts).
  // Tunnels outlive their HTTP connection, so shutdown closes them itself, at proxy.shutdownTimeout.
  const tunnels = new Set<Duplex>();
  server.on('upgrade', (req, socket: Duplex, head) => {
    tunnels.add(socket);
    socket.once('close', () => tunnels.delete(socket));
    generation().serveUpgrade(req, socket, head);
  });
  // Requests Node's parser refuses before any route runs still get a problem document.
  for (const s of [server, adminServer]) s.on('clientError', (err: Error, socket) => clientErrorProblems(generation().config.problems.baseUrl)(err, socket));

  let lastReload: ReloadResult | undefined;
  let reloading: Promise<ReloadResult> | undefined;
  const load = options.load ?? loadEverything;
  const watching = options.watch ?? true;
  // A watched folder saw an event: reload only if the files' contents changed (an editor's swap
  // file or a touched but unchanged file is no reason to rebuild).
  const watcher = new SourceWatch(() => {
    if (configHash(generation().config) !== generation().hash) void reload('watch');
  }, logger.child({ component: 'reload' }));

  function status(): ConfigStatus {
    const g = generation();
    return { file: g.config.file, config_hash: g.hash, loaded_at: new Date(g.loadedAt).toISOString(), ...(lastReload ? { last_reload: lastReload } : {}) };
  }

  // One reload at a time; a request for one while another runs gets that one's result. Under
  // `--workers` the primary's good reload is then carried to the workers.
  const broadcast = options.broadcastReload;
  function reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    reloading ??= swap(trigger)
      .then((here) => (broadcast && here.result === 'success' ? broadcast(trigger, here) : here))
      .then((result) => (lastReload = result))
      .finally(() => { reloading = undefined; });
    return reloading;
  }

  async function swap(trigger: ReloadTrigger): Promise<ReloadResult> {
    const started = performance.now();
    const running = generation();
    const log = logger.child({ component: 'reload', trigger });
    const finish = (fields: Pick<ReloadResult, 'result' | 'config_hash' | 'problems' | 'restart_required'>): ReloadResult => {
      lastReload = { ...fields, trigger, at: new Date(now()).toISOString(), duration_ms: Math.round(performance.now() - started) };
      metrics.reloads.inc({ result: fields.result });
      return lastReload;
    };
    if (closing) return finish({ result: 'failure', config_hash: running.hash, problems: ['the gateway is shutting down'] });
    let next: Generation;
    let restartRequired: string[];
    try {
      const loaded = await load(running.config.file);
      const kept = keepRestartOnly(running.config, loaded.config);
      restartRequired = kept.restartRequired;
      next = await buildGeneration(kept.config, loaded.translator, loaded.hash, shared);
    } catch (err) {
      const problems = problemsOf(err);
      log.error({ problems, config_hash: running.hash }, `reload failed: ${problems.length} problem(s); the running configuration stays`);
      return finish({ result: 'failure', config_hash: running.hash, problems });
    }
    current = next;
    if (next.config.log.level !== logger.level) logger.level = next.config.log.level;
    pinBook.useVersions(next.config.versions);
    metrics.configLoaded(next.hash, next.loadedAt);
    if (watching && next.config.reload.watch) watcher.watch(next.config);
    else watcher.close();
    // The replaced generation closes once its last request has finished.
    void running.retire();
    const result = finish({ result: 'success', config_hash: next.hash, ...(restartRequired.length > 0 ? { restart_required: restartRequired } : {}) });
    log.info({ config_hash: next.hash, previous_hash: running.hash, duration_ms: result.duration_ms, ...(restartRequired.length > 0 ? { restart_required: restartRequired } : {}) },
      restartRequired.length > 0 ? `configuration reloaded; ${restartRequired.join(', ')} changed and take${restartRequired.length === 1 ? 's' : ''} effect at the next restart` : 'configuration reloaded');
    return result;
  }

  return {
    get config() { return generation().config; },
    get translator() { return generation().translator; },
    server,
    adminServer,
    logger,
    metrics,
    store,
    recorder,
    pins,
    reload,
    status,
    async listen(which: ListenOptions = {}) {
      if (pending) {
        await pending;
        pending = undefined;
      }
      metrics.configLoaded(generation().hash, generation().loadedAt);
      if (watching && config.reload.watch) watcher.watch(config);
      // A store that cannot be reached at start-up (PostgreSQL down) does not stop the gateway:
      // counts buffer and pins start empty, and both retry on their intervals.
      try {
        await store.init();
      } catch (err) {
        logger.warn({ err, store: config.store.kind }, 'usage store unreachable at start-up; counts are buffered until it answers');
      }
      recorder?.start();
      await pins?.start();
      const url = which.public === false ? '' : await listenOn(server, config.listen.host, config.listen.port);
      const adminUrl = which.admin === false ? '' : await listenOn(adminServer, config.admin.host, config.admin.port);
      return { url, adminUrl };
    },
    async close() {
      if (closing) return;
      closing = true;
      watcher.close();
      await pending?.catch(() => undefined);
      const { shutdownTimeoutMs } = generation().config.proxy;
      const force = setTimeout(() => {
        logger.warn({ timeout_ms: shutdownTimeoutMs }, 'shutdown timeout: closing remaining connections');
        server.closeAllConnections();
        for (const tunnel of tunnels) tunnel.destroy();
      }, shutdownTimeoutMs);
      force.unref();
      // A kept-alive connection whose in-flight response has been sent is idle and would hold the
      // shutdown for the full shutdownTimeout: close idle connections as they appear. Polling
      // here keeps the request path free of shutdown hooks.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      sweep.unref();
      try {
        await closeServer(server);
      } finally {
        clearTimeout(force);
        clearInterval(sweep);
        adminServer.closeAllConnections();
        await closeServer(adminServer);
        await reloading?.catch(() => undefined);
        await generation().retire();
        // Every finished request has been counted by now; the last counts and pins reach the store.
        await recorder?.close();
        await pins?.close();
        await store.close().catch((err: unknown) => logger.warn({ err }, 'usage store did not close cleanly'));
        // Buffered log lines reach stdout before the process exits (bounded, in case stdout is stuck).
        await Promise.race([new Promise<void>((resolve) => logger.flush(() => resolve())), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      }
    },
  };
}

/** Listen and resolve to the URL, as fastify writes it (`http://127.0.0.1:8080`, `http://[::1]:8080`). */
function listenOn(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      const address = server.address() as AddressInfo;
      resolve(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
