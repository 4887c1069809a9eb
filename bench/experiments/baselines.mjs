/**
 * What the plain-proxy part of the path costs: a hand-written reply.from route (logger off, and
 * with fastify's logger on) beside bare @fastify/http-proxy and Verso.
 *
 *   node paired.mjs reply-from-route http-proxy --cells experiments/baselines.mjs
 */

import { cells as all, nodeServer } from '../cells.mjs';

export const cells = [
  ...all,
  { name: 'reply-from-route', label: 'hand-written reply.from route, logger off', start: (ctx) => nodeServer(ctx, 'reply-from-route', 'servers/reply-from-route.mjs') },
  { name: 'reply-from-route-logger', label: 'hand-written reply.from route, fastify logger on (no request lines)', start: (ctx) => nodeServer(ctx, 'reply-from-route', 'servers/reply-from-route.mjs', { BENCH_LOGGER: '1' }) },
  { name: 'reply-from-route-logger-shared', label: 'hand-written reply.from route, fastify logger on, no child logger per request', start: (ctx) => nodeServer(ctx, 'reply-from-route', 'servers/reply-from-route.mjs', { BENCH_LOGGER: '1', BENCH_SHARED_CHILD: '1' }) },
  { name: 'reply-from-route-on-response', label: 'hand-written reply.from route, logger off, an empty onResponse hook', start: (ctx) => nodeServer(ctx, 'reply-from-route', 'servers/reply-from-route.mjs', { BENCH_ON_RESPONSE: '1' }) },
  { name: 'dispatch-route', label: 'experiment: undici dispatch straight to the response, no reply-from', start: (ctx) => nodeServer(ctx, 'dispatch-route', 'servers/dispatch-route.mjs') },
];

export const targets = [];
