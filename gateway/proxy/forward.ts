/**
 * Sends a request on to its upstream and relays the answer. This is the only place upstream
 * failures become HTTP errors: refused, reset or unreachable → 502, no answer in time → 504
 * (DESIGN.md: "at the proxy boundary and nowhere else").
 *
 * Requests go through undici's dispatch API, and the upstream's status, headers and body chunks
 * are written straight to the client's response as they arrive, with backpressure both ways; a
 * translated answer whose body a change rewrites is collected first (TranslatingExchange) and
 * goes through the down-chain (respond.ts).
 * @fastify/reply-from, which this replaced, wraps every answer in a Readable and pipes it into
 * the reply; on the benchmark that machinery cost about as much CPU per request as everything
 * else a passthrough request does (bench/README.md, "Where the passthrough time goes").
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { Dispatcher } from 'undici';
import type { UpstreamConfig } from '../config/types.js';
import type { ProblemCode } from '../errors.js';
import { answerHeaders, downChain, type AnswerTranslation, type SendProblem } from '../respond.js';
import type { ResponseChain } from '../translate/chain.js';
import type { Plan } from '../translate/translator.js';
import { bodyTooLarge, limitExceeded } from './body-limit.js';
import { upstreamRequestHeaders, type Headers } from './headers.js';
import type { RequestChanges } from './translate-request.js';

export interface ForwardDeps {
  trustForwarded: boolean;
  /** Lower-cased name of the header that carries the version, rewritten to what the upstream speaks. */
  versionHeader: string;
  sendProblem: SendProblem;
  /** While draining, responses say `Connection: close` so clients stop reusing the connection. */
  isClosing(): boolean;
  /** Seconds from sending upstream to the response headers (the upstream latency metric). */
  observeUpstream(upstream: string, seconds: number): void;
  /** Seconds spent translating one body (the translation latency metric). */
  observeTranslation(direction: 'response', seconds: number): void;
  /** `proxy.translateLimit`: the most bytes of an answer collected to be translated. */
  translateLimit: number;
  /** `proxy.jsonDepth`: the deepest nesting of a JSON answer that is translated. */
  jsonDepth: number;
}

/** Where an upstream's requests go, worked out once at start-up. */
interface Target {
  upstream: UpstreamConfig;
  origin: string;
  /** Host header the upstream expects (its own authority). */
  host: string;
  /** A path the upstream URL carries (`http://legacy:8080/api` → `/api`), put before every request path. */
  basePath: string;
  /** Requests sent and not yet finished: at most `connections` running, the rest waiting for one. */
  inFlight: number;
}

/**
 * The forwarder: one dispatch per request through `dispatcher` (the gateway's undici Agent), to
 * `plan.upstreamPath` with `query` (without "?"); `changes` are what the up-chain made of the
 * request (translate-request.ts), absent when it has none. An answer whose plan has a response
 * chain goes through the down-chain (respond.ts) on its way back.
 */
export function createForwarder(upstreams: Iterable<UpstreamConfig>, deps: ForwardDeps, dispatcher: Dispatcher) {
  const targets = new Map<string, Target>();
  for (const upstream of upstreams) {
    const url = new URL(upstream.url);
    targets.set(upstream.name, { upstream, origin: url.origin, host: url.host, basePath: url.pathname === '/' ? '' : url.pathname, inFlight: 0 });
  }
  /** The down-chain is the same for every request of one response chain: built once, not per request. */
  const answers = new WeakMap<ResponseChain, AnswerTranslation>();
  function answerFor(chain: ResponseChain): AnswerTranslation {
    let answer = answers.get(chain);
    if (answer === undefined) answers.set(chain, (answer = downChain(chain, deps)));
    return answer;
  }

  return function forward(request: FastifyRequest, reply: FastifyReply, upstream: UpstreamConfig, plan: Plan, query: string, changes?: RequestChanges): FastifyReply {
    const target = targets.get(upstream.name)!;
    if (target.inFlight >= upstream.connections + upstream.queueLimit) {
      // Every connection busy and the queue full: say when to come back rather than queue without end.
      reply.header('retry-after', '1');
      deps.sendProblem(reply, 'VERSO_UPSTREAM_BUSY', `The upstream "${upstream.name}" has ${upstream.connections} connections busy and ${upstream.queueLimit} requests waiting for one (upstreams.${upstream.name}.queueLimit); retry shortly.`);
      return reply;
    }
    let source: Headers = request.headers;
    if (changes !== undefined) {
      source = { ...request.headers };
      for (const name of changes.removedHeaders) source[name] = undefined;
      Object.assign(source, changes.setHeaders);
      query = changes.query;
    }
    const headers = upstreamRequestHeaders(source, request.headers, {
      remoteAddress: request.socket.remoteAddress,
      protocol: request.protocol,
      host: request.headers.host,
    }, deps.trustForwarded);
    headers.host = target.host;
    headers[deps.versionHeader] = upstream.speaks;
    headers['x-request-id'] = request.id;
    // The down-chain parses the answer, so ask for it uncompressed.
    if (plan.response !== undefined) headers['accept-encoding'] = undefined;
    let body: Dispatcher.DispatchOptions['body'];
    if (changes?.body !== undefined) {
      body = changes.body;
      headers['content-length'] = String(Buffer.byteLength(changes.body));
      // In the client's encoding (translate-request.ts); a body that came without a type was read as JSON.
      headers['content-type'] ??= 'application/json';
    } else {
      const stream = request.body as NodeJS.ReadableStream | undefined;
      if (stream && typeof stream.pipe === 'function') body = stream as unknown as Dispatcher.DispatchOptions['body'];
    }
    const handler = plan.response === undefined ? new Exchange(reply, target, deps) : new TranslatingExchange(reply, target, deps, answerFor(plan.response));
    request.verso!.sentAt = performance.now();
    target.inFlight++;
    try {
      dispatcher.dispatch({
        origin: target.origin,
        path: target.basePath + (query ? `${plan.upstreamPath}?${query}` : plan.upstreamPath),
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
 * One request's trip through undici (its DispatchHandler): the upstream's status, headers and
 * body chunks go straight to the client's response as they arrive. Until anything has been
 * written, a failure becomes a problem response through fastify; once the upstream's status and
 * headers are out, a failure can only cut the response short.
 */
class Exchange {
  private res: ServerResponse | undefined = undefined;
  protected ended = false;
  private released = false;

  constructor(
    protected readonly reply: FastifyReply,
    protected readonly target: Target,
    protected readonly deps: ForwardDeps,
  ) {}

  onRequestStart(): void {}

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, upstreamHeaders: Record<string, string | string[]>): void {
    // 1xx interim responses (100 Continue, 103 Early Hints) are not relayed.
    if (statusCode < 200) return;
    const ctx = this.reply.request.verso!;
    this.deps.observeUpstream(this.target.upstream.name, (performance.now() - ctx.sentAt) / 1000);
    // The client went away, or was answered already (its body stalled: listen.bodyTimeout).
    if (this.reply.raw.destroyed || this.reply.raw.headersSent) {
      this.ended = true;
      controller.abort(new Error('the client went away'));
      return;
    }
    this.answer(controller, statusCode, answerHeaders(ctx, upstreamHeaders, this.deps.isClosing()));
  }

  /** What to do with an answer whose headers have been rewritten: stream it. */
  protected answer(controller: Dispatcher.DispatchController, status: number, headers: Headers): void {
    this.stream(controller, status, headers);
  }

  protected stream(controller: Dispatcher.DispatchController, status: number, headers: Headers): void {
    // From here on the response is written by hand; fastify still sees it finish (access line, usage).
    this.reply.hijack();
    const res = (this.res = this.reply.raw);
    res.once('close', () => {
      if (!this.ended) controller.abort(new Error('the client went away'));
    });
    res.writeHead(status, headers as Record<string, string | string[]>);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.res;
    if (res === undefined) return;
    if (!res.write(chunk)) {
      controller.pause();
      res.once('drain', () => controller.resume());
    }
  }

  /** The upstream request is over (answered, failed or cancelled): it no longer counts against the pool's bound. */
  protected release(): void {
    if (this.released) return;
    this.released = true;
    this.target.inFlight--;
  }

  onResponseEnd(): void {
    this.release();
    if (this.ended) return;
    this.ended = true;
    this.res?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.release();
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
    this.deps.sendProblem(reply, code, detail, extensions);
  }

  protected get upstreamName(): string {
    return this.target.upstream.name;
  }
}

/**
 * An exchange whose answer goes through the down-chain: a body the chain rewrites is collected
 * and translated whole; otherwise only the status and headers are translated and the body
 * streams through.
 */
class TranslatingExchange extends Exchange {
  /** The answer being collected: its text so far, decoded as it arrives. */
  private decoder: StringDecoder | undefined = undefined;
  private text = '';
  private status = 0;
  private headers: Headers | undefined = undefined;
  private collected = 0;
  private readonly limit: number;

  constructor(reply: FastifyReply, target: Target, deps: ForwardDeps, private readonly translation: AnswerTranslation) {
    super(reply, target, deps);
    this.limit = deps.translateLimit;
  }

  protected override answer(controller: Dispatcher.DispatchController, status: number, headers: Headers): void {
    if (this.translation.collects(status, headers)) {
      const declared = Number(headers['content-length']);
      if (declared > this.limit) return this.tooLarge(controller);
      this.decoder = new StringDecoder('utf8');
      this.status = status;
      this.headers = headers;
      return;
    }
    const translated = this.translation.head(this.reply, status, headers);
    if (translated === undefined) {
      this.ended = true;
      controller.abort(new Error('a change failed'));
      return;
    }
    this.stream(controller, translated, headers);
  }

  override onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.decoder === undefined) return super.onResponseData(controller, chunk);
    if (this.ended) return;
    this.collected += chunk.length;
    if (this.collected > this.limit) return this.tooLarge(controller);
    this.text += this.decoder.write(chunk);
  }

  override onResponseEnd(): void {
    this.release();
    const decoder = this.decoder;
    if (decoder === undefined || this.ended) return super.onResponseEnd();
    this.ended = true;
    const headers = this.headers!;
    const text = this.text + decoder.end();
    this.text = '';
    // undici swallows what its handler callbacks throw: whatever goes wrong here must answer.
    try {
      const answer = this.translation.whole(this.reply, this.status, headers, text, this.upstreamName);
      const res = this.reply.raw;
      if (answer === undefined || res.destroyed) return;
      this.reply.hijack();
      res.writeHead(answer.status, headers as Record<string, string | string[]>);
      res.end(answer.body);
    } catch (err) {
      this.reply.request.log.error({ err, upstream: this.upstreamName }, 'translating an upstream answer failed');
      if (!this.reply.sent && !this.reply.raw.headersSent) this.deps.sendProblem(this.reply, 'VERSO_BAD_GATEWAY', `The upstream "${this.upstreamName}" answered, but its answer could not be translated; the error is logged with this request_id.`);
      else this.reply.raw.destroy();
    }
  }

  /** An answer over `proxy.translateLimit`: not held in memory; the upstream request is cancelled. */
  private tooLarge(controller: Dispatcher.DispatchController): void {
    this.ended = true;
    this.text = '';
    controller.abort(new Error('answer over proxy.translateLimit'));
    this.reply.request.log.warn({ upstream: this.upstreamName, limit_bytes: this.limit }, 'upstream answer larger than proxy.translateLimit; not translated');
    this.deps.sendProblem(this.reply, 'VERSO_BAD_GATEWAY', `The upstream "${this.upstreamName}" answered with a body larger than ${this.limit} bytes, the most this gateway translates (proxy.translateLimit).`, { limit_bytes: this.limit });
  }
}

function classify(error: Error & { code?: string; cause?: unknown }, upstream: UpstreamConfig): { code: ProblemCode; detail: string; extensions?: Record<string, unknown> } {
  // Same problem document as a declared Content-Length over the limit (handle-request.ts).
  const limit = limitExceeded(error);
  if (limit !== undefined) return bodyTooLarge(limit);
  const codes: string[] = [];
  for (let e: unknown = error; e && typeof e === 'object' && codes.length < 5; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: string }).code;
    if (code) codes.push(code);
  }
  if (codes.some((c) => /TIMEOUT/.test(c))) {
    return { code: 'VERSO_GATEWAY_TIMEOUT', detail: `The upstream "${upstream.name}" did not answer within ${upstream.timeoutMs} ms.` };
  }
  const reason = codes.find((c) => !c.startsWith('FST_')) ?? codes[0] ?? 'error';
  return { code: 'VERSO_BAD_GATEWAY', detail: `The upstream "${upstream.name}" could not be reached (${reason}).` };
}
