/**
 * Wiring only: builds each part from the config and connects them. The request path itself is
 * in handle-request.ts.
 */

import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { Agent, Pool } from 'undici';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { GatewayConfig, UpstreamConfig } from './config/types.js';
import { createAdminServer } from './admin/server.js';
import { createIdentifier } from './clients/identify.js';
import { createRequestHandler, NO_TRANSLATION, PINS_OFF } from './handle-request.js';
import { clientErrorProblems, serverWith } from './listener.js';
import { Completion, countRequest, recordUsage, type CompletionStep } from './completion.js';
import { problemSender } from './respond.js';
import { GatewayMetrics } from './metrics.js';
import { PinBook } from './usage/pins.js';
import { UsageRecorder } from './usage/recorder.js';
import { initOnDemand } from './usage/store/init-on-demand.js';
import { openStore } from './usage/store/open.js';
import type { UsageStore } from './usage/store/types.js';
import { Lifecycle } from './lifecycle/lifecycle.js';
import { bodyTooLarge, limitedBody } from './proxy/body-limit.js';
import { createForwarder } from './proxy/forward.js';
import { createUpChain } from './proxy/translate-request.js';
import type { Translator } from './translate/translator.js';
import { RouteTable } from './proxy/route-table.js';
import { Resolver } from './resolve/resolver.js';
import { createLogSink } from './log-sink.js';
import { accessLine, lazyChildLogger } from './request-log.js';
import './request-context.js';

export interface GatewayOptions {
  /** Where log lines go (default: stdout). */
  logStream?: DestinationStream;
  /** Clock and dice, injectable for tests of sunsets and brownouts. */
  now?: () => number;
  random?: () => number;
  /** The translation engine (loadTranslator); without it every request passes through. */
  translator?: Translator;
}

export interface Gateway {
  app: FastifyInstance;
  admin: FastifyInstance;
  logger: Logger;
  metrics: GatewayMetrics;
  store: UsageStore;
  /** Absent when `usage.record` is false. */
  recorder?: UsageRecorder;
  /** Absent when pinning is off. */
  pins?: PinBook;
  /** Start both listeners; resolves to their URLs. */
  listen(): Promise<{ url: string; adminUrl: string }>;
  /** Graceful shutdown: stop accepting, let in-flight requests finish (up to shutdownTimeout). */
  close(): Promise<void>;
}

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const logger = pino({ level: config.log.level, base: { service: 'verso' } }, options.logStream ?? createLogSink());
  let closing = false;
  const isClosing = () => closing;
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
  const pinBook = new PinBook(store, { refreshMs: config.pins.refreshMs, logger: logger.child({ component: 'pins' }), now, versions: config.versions });
  const pins = config.pins.enabled ? pinBook : undefined;
  const translator = options.translator;
  // The public listener answers in the API's own error shape when errors.template says so.
  const sendProblem = problemSender(config.problems.baseUrl, config.errors);

  // Once a response has finished: its usage row, the request counter, the access line.
  const completion: CompletionStep[] = [
    ...(recorder ? [recordUsage(recorder, now)] : []),
    countRequest(metrics, now),
    accessLine(logger),
  ];

  const completed = new Completion(completion, () => metrics.aborted.inc());

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: completed,
    childLoggerFactory: lazyChildLogger,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: false,
    serverFactory: serverWith(config.listen.timeouts),
    clientErrorHandler: clientErrorProblems(config.problems.baseUrl),
    exposeHeadRoutes: false,
    routerOptions: { maxParamLength: 65_536 },
    // Requests the router rejects before any route runs (a bad percent-escape) still get a problem.
    frameworkErrors: (error, _request, reply) => sendProblem(reply as FastifyReply, 'VERSO_INVALID_PATH', `The request path is not acceptable: ${error.message}.`),
  });
  app.decorateRequest('verso', null);
  // A client that goes away before its response is whole still gets its access line (status 499), usage row and metric.
  app.addHook('onRequestAbort', async (request) => completed.aborted(request, request.verso?.reply));


  // One bounded connection pool per upstream origin (upstreams.NAME.connections); requests beyond
  // it wait in the pool's queue, whose length the forwarder bounds (upstreams.NAME.queueLimit) by
  // counting its own requests in flight (undici's pool stats walk every connection per call).
  const upstreamAt = new Map<string, UpstreamConfig>();
  for (const u of config.upstreams.values()) if (!upstreamAt.has(new URL(u.url).origin)) upstreamAt.set(new URL(u.url).origin, u);
  const dispatcher = new Agent({
    factory: (origin, opts) => {
      const u = upstreamAt.get(String(origin));
      return new Pool(origin, { ...opts, connections: u?.connections, connect: { timeout: u?.connectTimeoutMs ?? 5000 } });
    },
  });

  // Bodies are never parsed on the passthrough path: the stream is handed to the upstream as is.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => done(null, limitedBody(payload, config.proxy.bodyLimit)));

  const observeTranslation = (direction: 'request' | 'response', seconds: number) => metrics.translationLatency(direction, seconds);
  const handler = createRequestHandler({
    config,
    resolver: new Resolver(config),
    routes: new RouteTable(config),
    lifecycle: new Lifecycle(config.versions),
    identify: createIdentifier(config.clients),
    pins: pins ?? PINS_OFF,
    translator: translator ?? NO_TRANSLATION,
    translateRequest: createUpChain({ bodyLimit: config.proxy.bodyLimit, jsonDepth: config.proxy.jsonDepth, sendProblem, observeTranslation }),
    forward: createForwarder(config.upstreams.values(), {
      trustForwarded: config.proxy.trustForwarded,
      versionHeader: config.resolve.header.toLowerCase(),
      sendProblem,
      isClosing,
      observeUpstream: (upstream: string, seconds: number) => metrics.upstreamLatency(upstream, seconds),
      observeTranslation,
      translateLimit: config.proxy.translateLimit,
      jsonDepth: config.proxy.jsonDepth,
    }, dispatcher),
    sendProblem,
    now,
    random: options.random ?? Math.random,
    isClosing,
  });
  app.route({ method: METHODS, url: '*', handler });

  // Malformed requests fastify rejects before routing still get a problem document.
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const { code, detail, extensions } = bodyTooLarge(config.proxy.bodyLimit);
      return sendProblem(reply, code, detail, extensions);
    }
    if (error.statusCode && error.statusCode < 500) return sendProblem(reply, 'VERSO_INVALID_PATH', `The request could not be read: ${error.message}.`);
    // The client went away while its body was being read: nobody to answer, and onRequestAbort logs it as 499.
    if (request.raw.aborted || reply.raw.destroyed) return;
    request.log.error({ err: error }, 'unexpected gateway error');
    return sendProblem(reply, 'VERSO_INTERNAL', 'The gateway failed to handle this request; the error is logged with this request_id.');
  });

  const admin = createAdminServer({ config, logger, isClosing, translator, store, pins: pinBook, recorder, metrics, now });

  return {
    app,
    admin,
    logger,
    metrics,
    store,
    recorder,
    pins,
    async listen() {
      // A store that cannot be reached at start-up (PostgreSQL down) does not stop the gateway:
      // counts buffer and pins start empty, and both retry on their intervals.
      try {
        await store.init();
      } catch (err) {
        logger.warn({ err, store: config.store.kind }, 'usage store unreachable at start-up; counts are buffered until it answers');
      }
      recorder?.start();
      await pins?.start();
      const url = await app.listen({ host: config.listen.host, port: config.listen.port });
      const adminUrl = await admin.listen({ host: config.admin.host, port: config.admin.port });
      return { url, adminUrl };
    },
    async close() {
      if (closing) return;
      closing = true;
      const force = setTimeout(() => {
        logger.warn({ timeout_ms: config.proxy.shutdownTimeoutMs }, 'shutdown timeout: closing remaining connections');
        app.server.closeAllConnections();
      }, config.proxy.shutdownTimeoutMs);
      force.unref();
      // A kept-alive connection whose in-flight response has been sent is idle and would hold the
      // shutdown for the full shutdownTimeout: close idle connections as they appear. Polling
      // here keeps the request path free of shutdown hooks.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
      sweep.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(force);
        clearInterval(sweep);
        await admin.close();
        await dispatcher.close();
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
