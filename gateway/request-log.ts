/**
 * One JSON log line per request, written when the response finishes: request id, method, url,
 * resolved version and how it was found, client, upstream, status and duration. Fastify's own
 * "incoming request" / "request completed" pair is replaced, so a request costs one line, not two.
 */

import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class RequestLog extends LogController {
  constructor() {
    super({ disableRequestLogging: true });
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const ctx = request.verso;
    const fields = {
      method: request.method,
      url: request.url,
      version: ctx?.version?.id,
      source: ctx?.source,
      client: ctx?.client.id,
      upstream: ctx?.upstream?.name,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) reply.log.error({ ...fields, err: error }, 'request failed');
    else reply.log.info(fields, 'request');
  }
}
