/**
 * The baseline: bare @fastify/http-proxy in front of the origin, defaults everywhere, logger off.
 * fastify and @fastify/http-proxy resolve from the repository root's node_modules (devDependencies
 * there), so the baseline is the exact version Verso itself is built against.
 */

import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const app = Fastify({ logger: false });
app.register(proxy, { upstream: process.env.BENCH_ORIGIN_URL });
await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT) });
