/**
 * One configuration, running: the public and admin apps built from a config and its changes,
 * with the upstream pools they send through. The listeners (server.ts) hand each new request to
 * the current generation; a reload builds the next one off to the side and swaps it in, and the
 * one it replaced closes once its last request has finished (issue 13). Everything that outlives
 * a configuration (logger, metrics, usage store and recorder, pins) is passed in.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { Agent, Pool } from 'undici';
import type { Logger } from 'pino';
import type { GatewayConfig, UpstreamConfig } from './config/types.js';
import { createAdminServer, type AdminDeps } from './admin/server.js';
import { createIdentifier } from './clients/identify.js';
import { createRequestHandler, NO_TRANSLATION, PINS_OFF } from './handle-request.js';
import { Completion, type CompletionStep } from './completion.js';
import { problemSender } from './respond.js';
import type { GatewayMetrics } from './metrics.js';
import type { PinBook } from './usage/pins.js';
import { Lifecycle } from './lifecycle/lifecycle.js';
import { bodyTooLarge, limitedBody } from './proxy/body-limit.js';
import { createForwarder } from './proxy/forward.js';
import { createUpgradeHandler, type ServeUpgrade } from './proxy/upgrade.js';
import { createUpChain } from './proxy/translate-request.js';
import type { Translator } from './translate/translator.js';
import { RouteTable } from './proxy/route-table.js';
import { Resolver } from './resolve/resolver.js';
import { lazyChildLogger } from './request-log.js';
import './request-context.js';

/** What every generation shares: built once by server.ts, alive until the gateway closes. */
export interface Shared extends Omit<AdminDeps, 'config' | 'translator' | 'pins'> {
  logger: Logger;
  metrics: GatewayMetrics;
  /** Serves /pins whether or not pinning is on; requests consult it only when `pins.enabled`. */
  pinBook: PinBook;
  completion: readonly CompletionStep[];
  random(): number;
}

export interface Generation {
  readonly config: GatewayConfig;
  readonly translator: Translator | undefined;
  /** Hash of the config file, spec and change files this generation was built from. */
  readonly hash: string;
  /** When it was built (ms). */
  readonly loadedAt: number;
  /** Hand a raw request to the public app / the admin app. */
  servePublic(req: IncomingMessage, res: ServerResponse): void;
  /** A WebSocket handshake on the public listener (proxy/upgrade.ts). */
  serveUpgrade: ServeUpgrade;
  serveAdmin(req: IncomingMessage, res: ServerResponse): void;
  /** No new requests will come: close as soon as the last one in flight has finished. */
  retire(): Promise<void>;
}

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

export async function buildGeneration(config: GatewayConfig, translator: Translator | undefined, hash: string, shared: Shared): Promise<Generation> {
  const { logger, now } = shared;
  const { app, dispatcher, serveUpgrade } = publicApp(config, translator, shared);
  const admin = createAdminServer({ ...shared, config, translator, pins: shared.pinBook });
  await Promise.all([app.ready(), admin.ready()]);

  let inFlight = 0;
  let retired: (() => void) | undefined;
  const done = () => {
    if (--inFlight === 0 && retired) retired();
  };
  // Counted per response, so the generation a reload replaced knows when its last one is over.
  const serve = (routing: (req: IncomingMessage, res: ServerResponse) => void) => (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.once('close', done);
    routing(req, res);
  };

  return {
    config,
    translator,
    hash,
    loadedAt: now(),
    servePublic: serve(app.routing),
    serveUpgrade,
    serveAdmin: serve(admin.routing),
    retire() {
      return new Promise<void>((resolve) => {
        const close = () => {
          Promise.all([app.close(), admin.close(), dispatcher.close()])
            .catch((err: unknown) => logger.warn({ err, config_hash: hash }, 'a replaced configuration did not close cleanly'))
            .finally(resolve);
        };
        if (inFlight === 0) close();
        else retired = close;
      });
    },
  };
}

/** The public listener's app for one configuration: the catch-all route to the request path. */
function publicApp(config: GatewayConfig, translator: Translator | undefined, shared: Shared): { app: FastifyInstance; dispatcher: Agent; serveUpgrade: ServeUpgrade } {
  const { logger, metrics, now, isClosing } = shared;
  const pins = config.pins.enabled ? shared.pinBook : undefined;
  // The public listener answers in the API's own error shape when errors.template says so.
  const sendProblem = problemSender(config.problems.baseUrl, config.errors);
  const completed = new Completion(shared.completion, () => metrics.aborted.inc());

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: completed,
    childLoggerFactory: lazyChildLogger,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: false,
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
  app.addContentTypeParser('*', (_request, payload, done) => done(null, limitedBody(payload, config.proxy.bodyLimit)));

  const observeTranslation = (direction: 'request' | 'response', seconds: number) => metrics.translationLatency(direction, seconds);
  const resolver = new Resolver(config);
  const routes = new RouteTable(config);
  const lifecycle = new Lifecycle(config.versions);
  const identify = createIdentifier(config.clients);
  const handler = createRequestHandler({
    config,
    resolver,
    routes,
    lifecycle,
    identify,
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
    random: shared.random,
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

  // WebSocket handshakes take the same steps from the same tables (proxy/upgrade.ts).
  const serveUpgrade = createUpgradeHandler({
    config, resolver, routes, lifecycle, identify, pins: pins ?? PINS_OFF, dispatcher,
    recorder: config.usage.record ? shared.recorder : undefined, metrics, logger, now, random: shared.random,
  });
  return { app, dispatcher, serveUpgrade };
}
