/**
 * Sends a request on to its upstream with @fastify/reply-from and streams the answer back, both
 * bodies untouched. This is the only place upstream failures become HTTP errors: refused, reset or
 * unreachable → 502, no answer in time → 504 (DESIGN.md: "at the proxy boundary and nowhere else").
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/reply-from';
import type { UpstreamConfig } from '../config/types.js';
import type { ProblemCode } from '../errors.js';
import { mergeVary, setForwarding, stripHopByHop } from './headers.js';

export const BODY_TOO_LARGE = 'VERSO_BODY_TOO_LARGE';

export interface ForwardDeps {
  trustForwarded: boolean;
  /** Lower-cased name of the header that carries the version, rewritten to what the upstream speaks. */
  versionHeader: string;
  fail(reply: FastifyReply, code: ProblemCode, detail: string): void;
}

type FromOptions = NonNullable<Parameters<FastifyReply['from']>[1]>;

/** One options object per upstream, built at start-up; reply-from calls these per request. */
export function createForwarder(upstreams: Iterable<UpstreamConfig>, deps: ForwardDeps) {
  const options = new Map<string, FromOptions>();
  for (const upstream of upstreams) options.set(upstream.name, fromOptions(upstream, deps));

  return function forward(_request: FastifyRequest, reply: FastifyReply, upstream: UpstreamConfig, path: string, query: string) {
    const url = query ? `${upstream.url}${path}?${query}` : `${upstream.url}${path}`;
    try {
      return reply.from(url, options.get(upstream.name));
    } catch (err) {
      // reply-from refuses targets it cannot parse (e.g. a percent-escape that is not UTF-8).
      deps.fail(reply, 'VERSO_INVALID_PATH', `The request path cannot be forwarded: ${(err as Error).message}.`);
      return reply;
    }
  };
}

function fromOptions(upstream: UpstreamConfig, deps: ForwardDeps): FromOptions {
  return {
    timeout: upstream.timeoutMs,
    rewriteRequestHeaders(request, headers) {
      stripHopByHop(headers);
      setForwarding(headers, request.headers, {
        remoteAddress: request.socket.remoteAddress,
        protocol: request.protocol,
        host: request.headers.host,
      }, deps.trustForwarded);
      headers[deps.versionHeader] = upstream.speaks;
      headers['x-request-id'] = request.id;
      return headers;
    },
    rewriteHeaders(headers, request) {
      const out = headers as Record<string, string | string[] | number | undefined>;
      stripHopByHop(out);
      const ctx = request!.verso!;
      out.vary = mergeVary(out.vary, ctx.vary);
      return Object.assign(out, ctx.responseHeaders);
    },
    onError(reply, { error }) {
      const { code, detail } = classify(error as Error & { code?: string; cause?: unknown }, upstream);
      reply.request.log.warn({ err: error, upstream: upstream.name }, 'upstream request failed');
      deps.fail(reply as FastifyReply, code, detail);
    },
  };
}

function classify(error: Error & { code?: string; cause?: unknown }, upstream: UpstreamConfig): { code: ProblemCode; detail: string } {
  const codes: string[] = [];
  for (let e: unknown = error; e && typeof e === 'object' && codes.length < 5; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: string }).code;
    if (code) codes.push(code);
  }
  if (codes.includes(BODY_TOO_LARGE)) {
    return { code: 'VERSO_BODY_TOO_LARGE', detail: 'The request body is larger than the configured limit.' };
  }
  const timedOut = codes.some((c) => /TIMEOUT/.test(c));
  if (timedOut) {
    return { code: 'VERSO_GATEWAY_TIMEOUT', detail: `The upstream "${upstream.name}" did not answer within ${upstream.timeoutMs} ms.` };
  }
  const reason = codes.find((c) => !c.startsWith('FST_')) ?? codes[0] ?? 'error';
  return { code: 'VERSO_BAD_GATEWAY', detail: `The upstream "${upstream.name}" could not be reached (${reason}).` };
}
