/**
 * The benchmark origin: a minimal node:http server (keep-alive) answering canned JSON, so the
 * origin costs the same in every cell. Routes, by path (query ignored):
 *   /orders/<id>  one order, ~300 B  (the passthrough cells)
 *   /orders       a list of orders, ~20 KB  (for translated cells on a large body)
 *   anything else 404 with a small JSON body
 * Listens on 127.0.0.1:$BENCH_PORT.
 */

import http from 'node:http';
import { BODIES } from './payloads.mjs';

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  if (path === '/orders' && req.method === 'POST') return send(res, 201, BODIES.order); // the form cells' create
  if (path === '/orders') return send(res, 200, BODIES.list);
  if (path.startsWith('/orders/')) return send(res, 200, BODIES.order);
  return send(res, 404, BODIES.notFound);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.BENCH_PORT), '127.0.0.1');
