/**
 * Sends a request on to its upstream and relays the answer. This is the only place upstream
 * failures become HTTP errors: refused, reset or unreachable → 502, no answer in time → 504
 * (DESIGN.md: "at the proxy boundary and nowhere else").
 *
 * Requests go through undici's dispatch API, and the upstream's status, headers and body chunks
 * are written straight to the client's response as they arrive, with backpressure both ways; a
 * translated answer whose body a change rewrites is collected first (forward-translated.ts).
 * @fastify/reply-from, which this replaced, wraps every answer in a Readable and pipes it into
 * the reply; on the benchmark that machinery cost about as much CPU per request as everything
 * else a passthrough request does (bench/README.md, "Where the passthrough time goes").
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { UpstreamConfig } from '../config/types.js';
import type { ProblemCode } from '../errors.js';
import { mergeVary, upstreamRequestHeaders, withoutHopByHop, type Headers } from './headers.js';

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

/** Where an upstream's requests go, worked out once at start-up. */
interface Target {
  upstream: UpstreamConfig;
  origin: string;
  /** Host header the upstream expects (its own authority). */
  host: string;
  /** A path the upstream URL carries (`http://legacy:8080/api` → `/api`), put before every request path. */
  basePath: string;
}

/** Header changes a request chain made to the client's headers (forward-translated.ts). */
export interface HeaderChanges {
  removed: string[];
  set: Record<string, string>;
}

/**
 * The response chain's side of an exchange (forward-translated.ts), given the upstream's status
 * and headers once they have been rewritten like any passthrough answer's (hop-by-hop headers
 * out, Vary merged, the version's headers in).
 */
export interface AnswerTranslation {
  /** Whether this answer's body must be collected and translated whole (else it streams). */
  collects(status: number, headers: Headers): boolean;
  /** Translate the status and headers of an answer whose body streams through; undefined when a change failed (a problem was sent). */
  head(reply: FastifyReply, status: number, headers: Headers): { status: number; headers: Headers } | undefined;
  /** Translate a collected answer: what to send, or undefined when a change failed (a problem was sent). */
  whole(reply: FastifyReply, status: number, headers: Headers, body: Buffer): { status: number; headers: Headers; body: string | Buffer } | undefined;
}

/** What the translated forwarder changes about an exchange; the passthrough changes nothing. */
export interface ExchangeOptions {
  /** Applied to the client's headers before the gateway's own rewriting. */
  requestHeaders?: HeaderChanges;
  /** A replacement body, JSON text, sent instead of the client's. */
  body?: string;
  /** Ask the upstream for an uncompressed answer (a response chain will parse it). */
  identity?: boolean;
  answer?: AnswerTranslation;
}

const PASSTHROUGH: ExchangeOptions = Object.freeze({});

/**
 * The forwarder: one dispatch per request through `dispatcher` (the gateway's undici Agent).
 * `path` is the upstream's path, `query` the query string to send (without "?").
 */
export function createForwarder(upstreams: Iterable<UpstreamConfig>, deps: ForwardDeps, dispatcher: Dispatcher) {
  const targets = new Map<string, Target>();
  for (const upstream of upstreams) {
    const url = new URL(upstream.url);
    targets.set(upstream.name, { upstream, origin: url.origin, host: url.host, basePath: url.pathname === '/' ? '' : url.pathname });
  }

  return function forward(request: FastifyRequest, reply: FastifyReply, upstream: UpstreamConfig, path: string, query: string, options: ExchangeOptions = PASSTHROUGH): FastifyReply {
    const target = targets.get(upstream.name)!;
    const ctx = request.verso!;
    let source: Headers = request.headers;
    if (options.requestHeaders) {
      source = { ...request.headers };
      for (const name of options.requestHeaders.removed) source[name] = undefined;
      Object.assign(source, options.requestHeaders.set);
    }
    const headers = upstreamRequestHeaders(source, request.headers, {
      remoteAddress: request.socket.remoteAddress,
      protocol: request.protocol,
      host: request.headers.host,
    }, deps.trustForwarded);
    headers.host = target.host;
    headers[deps.versionHeader] = upstream.speaks;
    headers['x-request-id'] = request.id;
    if (options.identity) headers['accept-encoding'] = undefined;
    let body: Dispatcher.DispatchOptions['body'];
    if (options.body !== undefined) {
      body = options.body;
      headers['content-length'] = String(Buffer.byteLength(options.body));
      headers['content-type'] = 'application/json';
    } else {
      const stream = request.body as NodeJS.ReadableStream | undefined;
      if (stream && typeof stream.pipe === 'function') body = stream as unknown as Dispatcher.DispatchOptions['body'];
    }
    const handler = new Exchange(reply, target, deps, options.answer);
    ctx.sentAt = performance.now();
    try {
      dispatcher.dispatch({
        origin: target.origin,
        path: target.basePath + (query ? `${path}?${query}` : path),
        method: request.method as Dispatcher.HttpMethod,
        headers: headers as Record<string, string | string[]>,
        body,
        headersTimeout: upstream.timeoutMs,
        bodyTimeout: upstream.timeoutMs,
      }, handler);
    } catch (err) {
      // undici refuses a request it cannot send.
      handler.onResponseError(undefined, err as Error);
    }
    return reply;
  };
}

export type Forward = ReturnType<typeof createForwarder>;

/**
 * One request's trip through undici (its DispatchHandler). A passthrough answer goes straight to
 * the client's response as it arrives; a translated one may be collected first. Until anything
 * has been written, a failure becomes a problem response through fastify; once the upstream's
 * status and headers are out, a failure can only cut the response short.
 */
class Exchange {
  private res: ServerResponse | undefined = undefined;
  private ended = false;
  /** A translated answer being collected: its chunks, status and headers. */
  private chunks: Buffer[] | undefined = undefined;
  private status = 0;
  private headers: Headers | undefined = undefined;

  constructor(
    private readonly reply: FastifyReply,
    private readonly target: Target,
    private readonly deps: ForwardDeps,
    private readonly answer: AnswerTranslation | undefined,
  ) {}

  onRequestStart(): void {}

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, upstreamHeaders: Record<string, string | string[]>): void {
    // 1xx interim responses (100 Continue, 103 Early Hints) are not relayed.
    if (statusCode < 200) return;
    const reply = this.reply;
    const ctx = reply.request.verso!;
    this.deps.observeUpstream(this.target.upstream.name, (performance.now() - ctx.sentAt) / 1000);
    let headers: Headers = withoutHopByHop(upstreamHeaders);
    if (ctx.vary || headers.vary !== undefined) headers.vary = mergeVary(headers.vary, ctx.vary);
    if (this.deps.isClosing()) headers.connection = 'close';
    Object.assign(headers, ctx.responseHeaders);
    const res = reply.raw;
    if (res.destroyed) {
      this.ended = true;
      controller.abort(new Error('the client went away'));
      return;
    }
    if (this.answer !== undefined) {
      if (this.answer.collects(statusCode, headers)) {
        this.chunks = [];
        this.status = statusCode;
        this.headers = headers;
        return;
      }
      const head = this.answer.head(reply, statusCode, headers);
      if (head === undefined) {
        this.ended = true;
        controller.abort(new Error('a change failed'));
        return;
      }
      statusCode = head.status;
      headers = head.headers;
    }
    // From here on the response is written by hand; fastify still sees it finish (access line, usage).
    reply.hijack();
    this.res = res;
    res.once('close', () => {
      if (!this.ended) controller.abort(new Error('the client went away'));
    });
    res.writeHead(statusCode, headers as Record<string, string | string[]>);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.chunks !== undefined) {
      this.chunks.push(chunk);
      return;
    }
    const res = this.res;
    if (res === undefined) return;
    if (!res.write(chunk)) {
      controller.pause();
      res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.chunks !== undefined) {
      const answer = this.answer!.whole(this.reply, this.status, this.headers!, this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks));
      const res = this.reply.raw;
      if (answer === undefined || res.destroyed) return;
      this.reply.hijack();
      res.writeHead(answer.status, answer.headers as Record<string, string | string[]>);
      res.end(answer.body);
      return;
    }
    this.res?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.ended) return;
    this.ended = true;
    if (this.res !== undefined) {
      // The upstream's status and headers are out: all that can be said is that the body was cut short.
      this.res.destroy(error);
      return;
    }
    const reply = this.reply;
    if (reply.raw.destroyed || reply.sent) return;
    const { code, detail, extensions } = classify(error as Error & { code?: string; cause?: unknown }, this.target.upstream);
    reply.request.log.warn({ err: error, upstream: this.target.upstream.name }, 'upstream request failed');
    withVersionHeaders(reply);
    this.deps.fail(reply, code, detail, extensions);
  }
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
