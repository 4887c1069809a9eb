/**
 * Sends a request on to its upstream and streams the answer back, both bodies untouched. This is
 * the only place upstream failures become HTTP errors: refused, reset or unreachable → 502, no
 * answer in time → 504 (DESIGN.md: "at the proxy boundary and nowhere else").
 *
 * The passthrough path (`createForwarder`) talks to undici's dispatch API directly: the upstream's
 * status, headers and body chunks are written straight to the client's response as they arrive,
 * with backpressure both ways. @fastify/reply-from, which the translated path uses
 * (`fromOptions`, forward-translated.ts), wraps every answer in a Readable and pipes it into the
 * reply; on the benchmark that machinery cost about as much CPU per request as everything else a
 * passthrough request does (bench/README.md, "Where the passthrough time goes"), and the
 * passthrough path is the one every unchanged request takes.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type {} from '@fastify/reply-from';
import type { Dispatcher } from 'undici';
import type { UpstreamConfig } from '../config/types.js';
import type { ProblemCode } from '../errors.js';
import { mergeVary, upstreamRequestHeaders, withoutHopByHop } from './headers.js';

export const BODY_TOO_LARGE = 'VERSO_BODY_TOO_LARGE';

export interface ForwardDeps {
  trustForwarded: boolean;
  /** Lower-cased name of the header that carries the version, rewritten to what the upstream speaks. */
  versionHeader: string;
  fail(reply: FastifyReply, code: ProblemCode, detail: string, extensions?: Record<string, unknown>): void;
  /** While draining, responses say `Connection: close` so clients stop reusing the connection. */
  isClosing(): boolean;
  /** Seconds from sending upstream to the response headers (the upstream latency metric). */
  observeUpstream(upstream: string, seconds: number): void;
}

/**
 * The query goes to reply-from separately from the URL, for two reasons: reply-from runs
 * `decodeURIComponent` over the whole URL it is given and refuses any `../` in it, so a query such
 * as `?next=../a`, `?q=100%` or a non-UTF-8 escape would be refused as an invalid path; and with a
 * URL that has no query it falls back to the raw request's, so `/orders#x?api-version=v1` (query
 * "" for the resolver) would reach the upstream as `/orders?api-version=v1`.
 */
const normalisedQuery = (_search: string | undefined, _url: string, request: object) => (request as FastifyRequest).verso?.upstreamQuery ?? '';

/** The query string reply-from sends upstream for this request (without the "?"). */
export function setUpstreamQuery(request: FastifyRequest, query: string): void {
  request.verso!.upstreamQuery = query;
}

type FromOptions = NonNullable<Parameters<FastifyReply['from']>[1]>;

/** Where an upstream's requests go, worked out once at start-up. */
interface Target {
  upstream: UpstreamConfig;
  origin: string;
  /** Host header the upstream expects (its own authority, as reply-from sends). */
  host: string;
  /** A path the upstream URL carries (`http://legacy:8080/api` → `/api`), put before every request path. */
  basePath: string;
}

/** The passthrough forwarder: one dispatch per request through `dispatcher` (the gateway's undici Agent). */
export function createForwarder(upstreams: Iterable<UpstreamConfig>, deps: ForwardDeps, dispatcher: Dispatcher) {
  const targets = new Map<string, Target>();
  for (const upstream of upstreams) {
    const url = new URL(upstream.url);
    targets.set(upstream.name, { upstream, origin: url.origin, host: url.host, basePath: url.pathname === '/' ? '' : url.pathname });
  }

  return function forward(request: FastifyRequest, reply: FastifyReply, upstream: UpstreamConfig, path: string, query: string): FastifyReply {
    const target = targets.get(upstream.name)!;
    const ctx = request.verso!;
    ctx.upstreamQuery = query;
    const headers = upstreamRequestHeaders(request.headers, request.headers, {
      remoteAddress: request.socket.remoteAddress,
      protocol: request.protocol,
      host: request.headers.host,
    }, deps.trustForwarded);
    headers.host = target.host;
    headers[deps.versionHeader] = upstream.speaks;
    headers['x-request-id'] = request.id;
    const body = request.body as NodeJS.ReadableStream | undefined;
    const handler = new Passthrough(reply, target, deps);
    ctx.sentAt = performance.now();
    try {
      dispatcher.dispatch({
        origin: target.origin,
        path: target.basePath + (query ? `${path}?${query}` : path),
        method: request.method as Dispatcher.HttpMethod,
        headers: headers as Record<string, string | string[]>,
        body: body && typeof body.pipe === 'function' ? (body as unknown as Dispatcher.DispatchOptions['body']) : undefined,
        headersTimeout: upstream.timeoutMs,
        bodyTimeout: upstream.timeoutMs,
      }, handler);
    } catch (err) {
      // undici refuses a request it cannot send (a header it does not support, such as Expect).
      handler.onResponseError(undefined, err as Error);
    }
    return reply;
  };
}

/**
 * One request's trip through undici (its DispatchHandler): the answer goes straight to the
 * client's response. Until the upstream's headers arrive nothing has been written, so a failure
 * becomes a problem response through fastify; after that the response is the upstream's, and a
 * failure can only cut it short.
 */
class Passthrough {
  private res: ServerResponse | undefined = undefined;
  private ended = false;

  constructor(private readonly reply: FastifyReply, private readonly target: Target, private readonly deps: ForwardDeps) {}

  onRequestStart(): void {}

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[]>): void {
    // 1xx interim responses (100 Continue, 103 Early Hints) are not relayed.
    if (statusCode < 200) return;
    const reply = this.reply;
    const ctx = reply.request.verso!;
    this.deps.observeUpstream(this.target.upstream.name, (performance.now() - ctx.sentAt) / 1000);
    const out = withoutHopByHop(headers);
    if (ctx.vary || out.vary !== undefined) out.vary = mergeVary(out.vary, ctx.vary);
    if (this.deps.isClosing()) out.connection = 'close';
    Object.assign(out, ctx.responseHeaders);
    const res = reply.raw;
    if (res.destroyed) {
      controller.abort(new Error('the client went away'));
      return;
    }
    // From here on the response is written by hand; fastify still sees it finish (access line, usage).
    reply.hijack();
    this.res = res;
    res.once('close', () => {
      if (!this.ended) controller.abort(new Error('the client went away'));
    });
    res.writeHead(statusCode, out as Record<string, string | string[]>);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.res;
    if (res === undefined) return;
    if (!res.write(chunk)) {
      controller.pause();
      res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.ended = true;
    this.res?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.ended = true;
    if (this.res !== undefined) {
      // The upstream's status and headers are out: all that can be said is that the body was cut short.
      this.res.destroy(error);
      return;
    }
    const reply = this.reply;
    if (reply.raw.destroyed) return;
    const { code, detail, extensions } = classify(error as Error & { code?: string; cause?: unknown }, this.target.upstream);
    reply.request.log.warn({ err: error, upstream: this.target.upstream.name }, 'upstream request failed');
    withVersionHeaders(reply);
    this.deps.fail(reply, code, detail, extensions);
  }
}

export function fromOptions(upstream: UpstreamConfig, deps: ForwardDeps): FromOptions {
  return {
    timeout: upstream.timeoutMs,
    queryString: normalisedQuery,
    rewriteRequestHeaders(request, headers) {
      const out = upstreamRequestHeaders(headers as Record<string, string | string[] | undefined>, request.headers, {
        remoteAddress: request.socket.remoteAddress,
        protocol: request.protocol,
        host: request.headers.host,
      }, deps.trustForwarded);
      out[deps.versionHeader] = upstream.speaks;
      out['x-request-id'] = request.id;
      return out as typeof headers;
    },
    rewriteHeaders(headers, request) {
      const out = withoutHopByHop(headers as Record<string, string | string[] | undefined>);
      const ctx = request!.verso!;
      deps.observeUpstream(upstream.name, (performance.now() - ctx.sentAt) / 1000);
      out.vary = mergeVary(out.vary, ctx.vary);
      if (deps.isClosing()) out.connection = 'close';
      return Object.assign(out, ctx.responseHeaders) as typeof headers;
    },
    onError(reply, { error }) {
      const { code, detail, extensions } = classify(error as Error & { code?: string; cause?: unknown }, upstream);
      reply.request.log.warn({ err: error, upstream: upstream.name }, 'upstream request failed');
      // A 502/504 is still an answer in the resolved version: it carries Vary and API-Version
      // (and lifecycle headers) like every other response (DESIGN.md, "One request").
      withVersionHeaders(reply as FastifyReply);
      deps.fail(reply as FastifyReply, code, detail, extensions);
    },
  };
}

function withVersionHeaders(reply: FastifyReply): void {
  const ctx = reply.request.verso;
  if (!ctx || reply.sent) return;
  if (ctx.vary) reply.header('vary', ctx.vary);
  reply.headers(ctx.responseHeaders);
}

function classify(error: Error & { code?: string; cause?: unknown }, upstream: UpstreamConfig): { code: ProblemCode; detail: string; extensions?: Record<string, unknown> } {
  const codes: string[] = [];
  let limitBytes: number | undefined;
  for (let e: unknown = error; e && typeof e === 'object' && codes.length < 5; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: string }).code;
    if (code) codes.push(code);
    if (code === BODY_TOO_LARGE) limitBytes = (e as { limitBytes?: number }).limitBytes;
  }
  if (codes.includes(BODY_TOO_LARGE)) {
    // Same problem document as a declared Content-Length over the limit (handle-request.ts).
    return limitBytes === undefined
      ? { code: 'VERSO_BODY_TOO_LARGE', detail: 'The request body is larger than the configured limit.' }
      : { code: 'VERSO_BODY_TOO_LARGE', detail: `The request body is larger than the limit of ${limitBytes} bytes.`, extensions: { limit_bytes: limitBytes } };
  }
  const timedOut = codes.some((c) => /TIMEOUT/.test(c));
  if (timedOut) {
    return { code: 'VERSO_GATEWAY_TIMEOUT', detail: `The upstream "${upstream.name}" did not answer within ${upstream.timeoutMs} ms.` };
  }
  const reason = codes.find((c) => !c.startsWith('FST_')) ?? codes[0] ?? 'error';
  return { code: 'VERSO_BAD_GATEWAY', detail: `The upstream "${upstream.name}" could not be reached (${reason}).` };
}
