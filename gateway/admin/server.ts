/**
 * The admin listener (loopback by default): health probes for orchestrators, and the documents
 * generated from the changes (docs.ts). Later issues add the usage API, dashboard and metrics
 * here, never on the public listener.
 */

import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/types.js';
import { checkUpstreams } from './health.js';
import { registerDocsRoutes } from './docs.js';
import type { Translator } from '../translate/translator.js';

export interface AdminDeps {
  config: GatewayConfig;
  logger: Logger;
  isClosing(): boolean;
  /** Present when changes are configured: the per-version documents and changelog come from it. */
  translator?: Translator;
}

export function createAdminServer({ config, logger, isClosing, translator }: AdminDeps): FastifyInstance {
  const admin = Fastify({ loggerInstance: logger.child({ listener: 'admin' }) as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });

  // Liveness: the process answers. Never depends on upstreams, so a slow upstream cannot get the
  // gateway restarted.
  admin.get('/health/live', async () => ({ status: 'ok' }));

  // Readiness: this instance should get traffic: it is not draining and every upstream answers.
  admin.get('/health/ready', async (_request, reply) => {
    if (isClosing()) return reply.code(503).send({ status: 'draining' });
    const upstreams = await checkUpstreams(config.upstreams.values());
    const ready = Object.values(upstreams).every((u) => u.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', upstreams });
  });

  // Generated from the changes: per-version OpenAPI documents, HTML reference, changelog.
  registerDocsRoutes(admin, { config, translator });

  return admin;
}
