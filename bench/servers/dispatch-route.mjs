/**
 * Experiment: what a passthrough costs without reply-from's streams. One fastify catch-all route
 * hands the request to an undici Pool with `dispatch` and writes the upstream's status, headers
 * and body chunks straight to the Node response (reply.hijack()), with no Readable in between.
 * GET only, no body, no error mapping beyond a 502: a measuring stick, not a proxy.
 */

import Fastify from 'fastify';
import { Pool } from 'undici';

const origin = process.env.BENCH_ORIGIN_URL;
const pool = new Pool(origin);
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'proxy-connection']);

const app = Fastify({ logger: false });
app.all('/*', (request, reply) => {
  reply.hijack();
  const res = reply.raw;
  const headers = {};
  for (const key in request.headers) if (!HOP.has(key) && key !== 'host') headers[key] = request.headers[key];
  pool.dispatch({ path: request.url, method: request.method, headers }, {
    onConnect() {},
    onHeaders(status, raw) {
      const out = [];
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toString('latin1');
        if (!HOP.has(name.toLowerCase())) out.push(name, raw[i + 1].toString('latin1'));
      }
      res.writeHead(status, out);
      return true;
    },
    onData(chunk) {
      return res.write(chunk);
    },
    onComplete() {
      res.end();
    },
    onError() {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    },
  });
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT) });
