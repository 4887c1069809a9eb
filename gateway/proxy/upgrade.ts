/**
 * WebSocket upgrades on the public listener (issue 10.13). The handshake goes through the same
 * steps as a request: identify the client, resolve the version (pins included), route, lifecycle
 * (a sunset version or a brownout gets its 410 before any upgrade), and a route may refuse
 * upgrades (`routes[].websocket: false`). The upstream's handshake is made with undici's upgrade
 * API; its 101 goes back with the version's headers, and then bytes flow both ways until either
 * side closes. Usage is recorded once per connection, at the handshake, with status 101.
 *
 * Only `Upgrade: websocket` is proxied; another protocol gets 400, as does a route that refuses.
 */

import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { upgrade, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/types.js';
import type { ClientIdentity, IdentifyInput } from '../clients/identify.js';
import { PROBLEM_CONTENT_TYPE, PROBLEMS, problem, type ProblemCode } from '../errors.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Resolver } from '../resolve/resolver.js';
import type { UsageRecorder } from '../usage/recorder.js';
import { lifecycleRefusal, PROBLEM_OF } from '../handle-request.js';
import { upstreamRequestHeaders } from './headers.js';
import type { RouteTable } from './route-table.js';
import { normalizeTarget } from './target.js';

export interface UpgradeDeps {
  config: GatewayConfig;
  resolver: Resolver;
  routes: RouteTable;
  lifecycle: Lifecycle;
  identify(input: IdentifyInput): ClientIdentity;
  pins: { get(client: string): string | undefined };
  dispatcher: Dispatcher;
  recorder?: UsageRecorder;
  metrics: GatewayMetrics;
  logger: Logger;
  now(): number;
  random(): number;
}

export type ServeUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export function createUpgradeHandler(deps: UpgradeDeps): ServeUpgrade {
  const { config, resolver, routes, lifecycle } = deps;
  const responseHeader = config.resolve.responseHeader.toLowerCase();
  const versionHeader = config.resolve.header.toLowerCase();
  const origins = new Map([...config.upstreams.values()].map((u) => [u.name, new URL(u.url)]));

  return function serveUpgrade(req, socket, head) {
    socket.on('error', () => socket.destroy());
    const fail = (code: ProblemCode, detail: string, headers: Record<string, string> = {}, extensions: Record<string, unknown> = {}) => {
      writeProblem(socket, config.problems.baseUrl, code, detail, headers, extensions);
      deps.logger.info({ method: req.method, url: req.url, status: PROBLEMS[code].status, upgrade: 'websocket' }, 'upgrade refused');
    };
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return fail('VERSO_UPGRADE_REFUSED', `Only WebSocket upgrades are proxied, not "${String(req.headers.upgrade)}".`);
    }
    const target = normalizeTarget(req.url ?? '/');
    if (!target.ok) return fail('VERSO_INVALID_PATH', `The request path is not acceptable: ${target.reason}.`);
    const client = deps.identify({ headers: req.headers, remoteAddress: req.socket.remoteAddress });
    const pin = client.by === 'remote-address' ? undefined : deps.pins.get(client.id);
    const resolved = resolver.resolve({ path: target.path, query: target.query, headers: req.headers, pin });
    if (!resolved.ok) return fail(PROBLEM_OF[resolved.kind], resolved.detail);
    const version = resolved.version;
    const versionHeaders: Record<string, string> = { [responseHeader]: version.id, ...lifecycle.headers.get(version.id) };
    const route = routes.match(resolved.path);
    if (!route) return fail('VERSO_NOT_FOUND', `No route serves ${resolved.path}.`, versionHeaders);
    if (route.websocket === false) return fail('VERSO_UPGRADE_REFUSED', `The route ${route.prefix} does not accept WebSocket upgrades (routes[].websocket is false).`, versionHeaders);
    const refusal = lifecycleRefusal(lifecycle.check(version, deps.now(), deps.random));
    if (refusal) return fail(refusal.code, refusal.detail, versionHeaders, refusal.extensions);

    const upstream = route.upstreamFor(version);
    const origin = origins.get(upstream.name)!;
    const headers = upstreamRequestHeaders(req.headers, req.headers, { remoteAddress: req.socket.remoteAddress, protocol: 'http', host: req.headers.host }, config.proxy.trustForwarded);
    headers.host = origin.host;
    headers[versionHeader] = upstream.speaks;
    // The handshake's own headers travel: undici sets Connection and Upgrade from `protocol`.
    for (const name of ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions']) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    const path = (origin.pathname === '/' ? '' : origin.pathname) + (target.query ? `${resolved.path}?${target.query}` : resolved.path);
    const operation = route.wildcard('GET');
    upgrade(`${origin.origin}${path}`, { dispatcher: deps.dispatcher, method: 'GET', headers: headers as Record<string, string>, protocol: 'websocket' }).then(({ headers: answer, socket: upstreamSocket }) => {
      if (socket.destroyed) { upstreamSocket.destroy(); return; }
      const lines = ['HTTP/1.1 101 Switching Protocols'];
      for (const [name, value] of Object.entries(answer)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
      }
      for (const [name, value] of Object.entries(versionHeaders)) lines.push(`${name}: ${value}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstreamSocket.write(head);
      socket.pipe(upstreamSocket).pipe(socket);
      const close = () => { socket.destroy(); upstreamSocket.destroy(); };
      socket.on('close', close);
      upstreamSocket.on('close', close);
      upstreamSocket.on('error', close);
      deps.recorder?.record(client, version.id, resolved.source, operation, 101, deps.now());
      deps.metrics.request(version, 101, deps.now());
      deps.logger.info({ method: 'GET', url: req.url, version: version.id, client: client.id, upstream: upstream.name, status: 101, upgrade: 'websocket' }, 'upgraded');
    }, (err: Error & { code?: string }) => {
      deps.logger.warn({ err, upstream: upstream.name, url: req.url }, 'upstream refused or failed the WebSocket handshake');
      fail('VERSO_BAD_GATEWAY', `The upstream "${upstream.name}" did not accept the WebSocket handshake (${err.code ?? err.message}).`, versionHeaders);
    });
  };
}

/** An RFC 9457 problem written straight to the socket, which is then closed (no upgrade happened). */
function writeProblem(socket: Duplex, baseUrl: string, code: ProblemCode, detail: string, headers: Record<string, string>, extensions: Record<string, unknown>): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(problem(baseUrl, code, detail, extensions));
  const { status } = PROBLEMS[code];
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`);
}

