/**
 * Sends a request on to its upstream with @fastify/reply-from and streams the answer back, both
 * bodies untouched. This is the only place upstream failures become HTTP errors: refused, reset or
 * unreachable → 502, no answer in time → 504 (DESIGN.md: "at the proxy boundary and nowhere else").
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/reply-from';
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
const QUERY = Symbol('verso.query');
type QueryCarrier = { [QUERY]?: string };
const normalisedQuery = (_search: string | undefined, _url: string, request: object) => (request as QueryCarrier)[QUERY] ?? '';

/** The query string reply-from sends upstream for this request (without the "?"). */
export function setUpstreamQuery(request: object, query: string): void {
  (request as QueryCarrier)[QUERY] = query;
}

type FromOptions = NonNullable<Parameters<FastifyReply['from']>[1]>;

/** One options object per upstream, built at start-up; reply-from calls these per request. */
export function createForwarder(upstreams: Iterable<UpstreamConfig>, deps: ForwardDeps) {
  const options = new Map<string, FromOptions>();
  for (const upstream of upstreams) options.set(upstream.name, fromOptions(upstream, deps));

  return function forward(request: FastifyRequest, reply: FastifyReply, upstream: UpstreamConfig, path: string, query: string) {
    setUpstreamQuery(request, query);
    request.verso!.sentAt = performance.now();
    try {
      return reply.from(`${upstream.url}${path}`, options.get(upstream.name));
    } catch (err) {
      // reply-from refuses targets it cannot parse or that still hold a segment starting with
      // ".." (such as "..;", which Tomcat-style upstreams read as "..").
      withVersionHeaders(reply);
      deps.fail(reply, 'VERSO_INVALID_PATH', `The request path cannot be forwarded: ${(err as Error).message}.`);
      return reply;
    }
  };
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
