/**
 * A hand-written reply.from route (the DESIGN anchor "hand-written `reply.from` route"): fastify
 * with @fastify/reply-from and one catch-all route, logger off. BENCH_LOGGER=1 turns fastify's
 * pino logger on (info, to /dev/null via stdout), which is what a gateway that logs pays.
 */

import Fastify from 'fastify';
import replyFrom from '@fastify/reply-from';

const app = Fastify({
  logger: process.env.BENCH_LOGGER ? { level: 'info' } : false,
  disableRequestLogging: !process.env.BENCH_REQUEST_LOG,
  // BENCH_SHARED_CHILD=1: every request logs through the root logger (no child logger per request).
  ...(process.env.BENCH_SHARED_CHILD ? { childLoggerFactory: (logger) => logger } : {}),
});
// BENCH_ON_RESPONSE=1: an onResponse hook that does nothing (fastify then listens for every response's end).
if (process.env.BENCH_ON_RESPONSE) app.addHook('onResponse', (request, reply, done) => done());
app.register(replyFrom, { base: process.env.BENCH_ORIGIN_URL, disableRequestLogging: true });
app.all('/*', (request, reply) => reply.from(request.url));
await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT) });
