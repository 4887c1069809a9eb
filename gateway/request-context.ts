/** What the gateway learns about one request on its way through: for its answer's headers, usage, metrics and the log line. */

import type { FastifyReply } from 'fastify';
import type { ResolutionSource, UpstreamConfig, VersionConfig } from './config/types.js';
import type { Route } from './proxy/route-table.js';
import type { ClientIdentity } from './clients/identity.js';
import type { Plan } from './translate/translator.js';

/**
 * Filled in step by step; a field is undefined when the request was refused before that step.
 * Everything the request path remembers about a request lives here, in an object of one fixed
 * shape: a property added to fastify's request or to Node's IncomingMessage on every request
 * would give those objects a second hidden class, and every function in fastify and node:http
 * that reads them would have to handle both.
 */
export interface RequestContext {
  client: ClientIdentity;
  version: VersionConfig | undefined;
  source: ResolutionSource | undefined;
  /** The path after any version prefix was removed: what routing and the upstream see. */
  path: string | undefined;
  route: Route | undefined;
  upstream: UpstreamConfig | undefined;
  /** The operation, the upstream path and the chains to run (handle-request.ts). */
  plan: Plan | undefined;
  /** `performance.now()` when the request was sent upstream, for the upstream latency metric. */
  sentAt: number;
  /** `Vary` value naming every request header that selects the version. */
  vary: string;
  /** `API-Version` and lifecycle headers for this version, precomputed per version. */
  responseHeaders: Record<string, string>;
  /** The request's reply, for completing a request whose client went away (completion.ts). */
  reply: FastifyReply;
  /** Whether its completion steps have run (a request completes once: completion.ts). */
  completed: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    verso: RequestContext | null;
  }
}
