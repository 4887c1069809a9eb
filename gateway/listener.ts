/**
 * The HTTP servers under both listeners, with every timeout explicit (`listen.*`, documented in the
 * README's "Limits and timeouts"). Fastify's defaults turn Node's request timeout off (a request
 * whose body stalled was held forever, issue 10); here each is set from the config instead.
 */

import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ListenerTimeouts } from './config/types.js';
import { PROBLEM_CONTENT_TYPE, PROBLEMS, problem, type ProblemCode } from './errors.js';

/** A fastify `serverFactory` building a node:http server with `timeouts`. */
export function serverWith(timeouts: ListenerTimeouts) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    const server = createServer({
      requestTimeout: timeouts.requestTimeoutMs,
      headersTimeout: timeouts.headersTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      connectionsCheckingInterval: timeouts.connectionsCheckingIntervalMs,
    }, handler);
    return server;
  };
}

/**
 * Watch a request body that is still arriving: when no byte of it has come for `ms`, `onStall`
 * runs (nginx's `client_body_timeout`). Node's socket idle timer does the counting, and only
 * while the body is incomplete: once it has all arrived the socket has no timeout again, so a
 * slow upstream never trips it.
 */
export function watchBody(req: IncomingMessage, ms: number, onStall: () => void): void {
  if (ms <= 0 || req.complete) return;
  const socket = req.socket;
  req.setTimeout(ms, onStall);
  req.once('end', () => {
    req.removeListener('timeout', onStall);
    socket.setTimeout(0);
  });
}

/**
 * Fastify's `clientErrorHandler` for requests Node's parser refuses before any route runs (a
 * malformed request line or header, headers over the size limit, headers or a request that took
 * longer than `listen.headersTimeout` / `listen.requestTimeout`): an RFC 9457 problem like every
 * other error, written straight to the socket, which is then closed.
 */
export function clientErrorProblems(baseUrl: string) {
  return function onClientError(err: Error & { code?: string }, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const code: ProblemCode = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'VERSO_REQUEST_TIMEOUT'
      : err.code === 'HPE_HEADER_OVERFLOW' ? 'VERSO_HEADERS_TOO_LARGE'
        : 'VERSO_MALFORMED_REQUEST';
    const detail = code === 'VERSO_REQUEST_TIMEOUT' ? 'The request did not arrive in time (listen.headersTimeout, listen.requestTimeout).'
      : code === 'VERSO_HEADERS_TOO_LARGE' ? 'The request headers are larger than this gateway accepts (16 KB in all).'
        : `The request is not valid HTTP/1.1 (${err.code ?? 'parse error'}).`;
    const body = JSON.stringify(problem(baseUrl, code, detail));
    const { status } = PROBLEMS[code];
    if (socket.writable) {
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    }
    socket.destroy();
  };
}
