/**
 * The admin listener (loopback by default; a bearer token beyond it, auth.ts): health probes for
 * orchestrators, the documents generated from the changes (docs.ts), Prometheus metrics, the
 * usage API and pins (usage-routes.ts) and the dashboard (dashboard.ts). Never on the public
 * listener.
 */

import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { problemSender } from '../respond.js';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/types.js';
import type { ConfigStatus, ReloadResult, ReloadTrigger } from '../reload.js';
import { checkUpstreams } from './health.js';
import { registerDocsRoutes } from './docs.js';
import type { Translator } from '../translate/translator.js';
import type { GatewayMetrics } from '../metrics.js';
import type { PinBook } from '../usage/pins.js';
import type { UsageRecorder } from '../usage/recorder.js';
import type { UsageStore } from '../usage/store/types.js';
import { createImpact } from '../usage/impact.js';
import { requireAdminToken } from './auth.js';
import { registerDashboard } from './dashboard.js';
import { registerUsageRoutes } from './usage-routes.js';

export interface AdminDeps {
  config: GatewayConfig;
  logger: Logger;
  isClosing(): boolean;
  /** Present when changes are configured: the per-version documents and changelog come from it. */
  translator?: Translator;
  store: UsageStore;
  /** Started (refreshed from the store, used by requests) only when pinning is on. */
  pins: PinBook;
  /** Present when usage is recorded. */
  recorder?: UsageRecorder;
  metrics: GatewayMetrics;
  now(): number;
  /** Reload the configuration (server.ts); resolves to the result, success or failure. */
  reload(trigger: ReloadTrigger): Promise<ReloadResult>;
  /** The running configuration and the last reload. */
  configStatus(): ConfigStatus;
  /** The Prometheus text `/metrics` answers: this process's, or under `--workers` every worker's. */
  exposeMetrics(): Promise<{ contentType: string; body: string }>;
  /** Under `--workers`: how many workers run; readiness needs at least one. */
  workers?: () => { running: number; wanted: number };
}

export function createAdminServer({ config, logger, isClosing, translator, metrics, recorder, store, pins, now, reload, configStatus, exposeMetrics, workers }: AdminDeps): FastifyInstance {
  // The listener's server (timeouts, parser-level errors) is server.ts's; this app is handed each request.
  const admin = Fastify({ loggerInstance: logger.child({ listener: 'admin' }) as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
  if (config.admin.token !== undefined) requireAdminToken(admin, config.admin.token, config.problems.baseUrl);
  // Every error this listener answers is a problem document, fastify's own 404s and 4xx included.
  const sendProblem = problemSender(config.problems.baseUrl);
  admin.setNotFoundHandler((request, reply) => sendProblem(reply, 'VERSO_ADMIN_NOT_FOUND', `The admin listener has no ${request.method} ${request.url.split("?")[0]} (its endpoints: /health, /metrics, /usage, /pins, /dashboard, /openapi, /docs, /changelog, /admin/reload).`));
  admin.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 415) return sendProblem(reply, 'VERSO_UNSUPPORTED_MEDIA_TYPE', `The admin listener cannot read a ${String(request.headers['content-type'])} body here.`);
    if (status >= 400 && status < 500) return sendProblem(reply, 'VERSO_MALFORMED_REQUEST', `The request could not be read: ${error.message}.`);
    request.log.error({ err: error }, 'unexpected admin error');
    return sendProblem(reply, 'VERSO_INTERNAL', 'The admin listener failed to handle this request; the error is logged with this request_id.');
  });

  // Liveness: the process answers. Never depends on upstreams, so a slow upstream cannot get the
  // gateway restarted.
  admin.get('/health/live', async () => ({ status: 'ok' }));

  // Readiness: this instance should get traffic: it is not draining and every upstream answers.
  // The running configuration and the last reload ride along (a failed reload does not make the
  // instance unready: it keeps serving the configuration it has).
  admin.get('/health/ready', async (_request, reply) => {
    if (isClosing()) return reply.code(503).send({ status: 'draining', config: configStatus() });
    const upstreams = await checkUpstreams(config.upstreams.values());
    const running = workers?.();
    const ready = Object.values(upstreams).every((u) => u.ok) && (running === undefined || running.running > 0);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', upstreams, ...(running ? { workers: running } : {}), config: configStatus() });
  });

  // Reload (issue 13): as SIGHUP does. 200 with the result when the new configuration runs; 422
  // with every problem when it was refused and the running one stays.
  admin.post('/admin/reload', async (_request, reply) => {
    const result = await reload('admin');
    return reply.code(result.result === 'success' ? 200 : 422).send(result);
  });

  // Generated from the changes: per-version OpenAPI documents, HTML reference, changelog.
  registerDocsRoutes(admin, { config, translator });

  // Prometheus text format. No per-client label (metrics.ts says why).
  admin.get('/metrics', async (_request, reply) => {
    metrics.buffered.set(recorder?.bufferedRows ?? 0);
    const { contentType, body } = await exposeMetrics();
    return reply.type(contentType).send(body);
  });

  // Who calls which version: the usage API and pins, and the dashboard built on them.
  registerUsageRoutes(admin, { config, store, pins, impact: createImpact(translator), now });
  registerDashboard(admin, { problemsBaseUrl: config.problems.baseUrl });

  return admin;
}
