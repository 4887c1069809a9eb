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

/** The status a request gets in the log, usage and metrics when its client went away first (nginx's 499). */
export const CLIENT_CLOSED = 499;

/**
 * Runs the completion steps; fastify's own "incoming request" / "request completed" lines are off.
 * Fastify reports a response that finished (or failed); a client that went away before its
 * response was whole is reported by `aborted` (server.ts's `onRequestAbort` hook), as 499. Each
 * request completes once, whichever comes first.
 */
export class Completion extends LogController {
  constructor(private readonly steps: readonly CompletionStep[], private readonly onAborted: () => void = () => {}) {
    super({ disableRequestLogging: true });
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // A request the handler never saw has no context, and no abort to complete it twice.
    const ctx = request.verso;
    if (ctx) {
      if (ctx.completed) return;
      ctx.completed = true;
    }
    for (const step of this.steps) step(request, reply, error);
  }

  /** The client of `request` closed its connection before the response was whole. */
  aborted(request: FastifyRequest, reply: FastifyReply | undefined): void {
    if (reply === undefined || request.verso?.completed || reply.raw.writableFinished) return;
    this.onAborted();
    reply.raw.statusCode = CLIENT_CLOSED;
    this.requestCompleted(null, request, reply);
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
