/**
 * What happens once a response has finished: the steps server.ts composes, in order, from what
 * the request path wrote into the request's context (request-context.ts). Fastify calls its log
 * controller's `requestCompleted` when a response finishes (or the client goes away), whichever
 * listener code wrote it, so that is where the steps run.
 */

import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { GatewayMetrics } from './metrics.js';
import { wildcardNames } from './proxy/route-table.js';
import type { UsageRecorder } from './usage/recorder.js';

/** One thing done per finished response. No I/O: whatever must reach a store is buffered. */
export type CompletionStep = (request: FastifyRequest, reply: FastifyReply, error: Error | null | undefined) => void;

/** Runs the completion steps; fastify's own "incoming request" / "request completed" lines are off. */
export class Completion extends LogController {
  constructor(private readonly steps: readonly CompletionStep[]) {
    super({ disableRequestLogging: true });
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    for (const step of this.steps) step(request, reply, error);
  }
}

/** How usage names a request no route serves: `GET (no route)`. */
const unrouted = wildcardNames('(no route)');

/**
 * Count the request in the usage recorder when a version was resolved, under the operation its
 * plan named (the spec's operation, or the route's wildcard for a path no operation matches).
 */
export function recordUsage(recorder: UsageRecorder, now: () => number): CompletionStep {
  return (request, reply) => {
    const ctx = request.verso;
    if (!ctx?.version) return;
    const operation = ctx.plan?.operation ?? (ctx.route ? ctx.route.wildcard(request.method) : unrouted(request.method));
    recorder.record(ctx.client, ctx.version.id, ctx.source!, operation, reply.statusCode, now());
  };
}

/** The request counter (`verso_requests_total`), by version, deprecation and status class. */
export function countRequest(metrics: GatewayMetrics, now: () => number): CompletionStep {
  return (request, reply) => metrics.request(request.verso?.version, reply.statusCode, now());
}
