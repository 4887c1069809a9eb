/**
 * Forwarding for requests whose operation a change touches. The request body (only when the
 * chain needs it) is read whole, parsed once, moved through the request chain and serialized
 * once; the response likewise, on its way back. Everything else about the exchange (headers,
 * errors, timeouts) is the passthrough forwarder's, whose options this extends.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { UpstreamConfig } from '../config/types.js';
import type { ProblemCode } from '../errors.js';
import type { Json, RequestParts, ResponseParts } from '../translate/authoring.js';
import { ChangeFailure } from '../translate/model.js';
import type { TranslationPlan } from '../translate/translator.js';
import type { ResponseChain } from '../translate/chain.js';
import { BODY_TOO_LARGE, setUpstreamQuery } from './forward.js';

type FromOptions = NonNullable<Parameters<FastifyReply['from']>[1]>;

export interface TranslatedForwardDeps {
  bodyLimit: number;
  /** The passthrough forwarder's options for an upstream (headers, errors, timeouts). */
  baseOptions(upstream: UpstreamConfig): FromOptions;
  fail(reply: FastifyReply, code: ProblemCode, detail: string, extensions?: Record<string, unknown>): FastifyReply;
  /** Seconds spent translating one body: parse, changes, serialize (the translation latency metric). */
  observeTranslation(direction: 'request' | 'response', seconds: number): void;
}

export function createTranslatedForwarder(deps: TranslatedForwardDeps) {
  return async function forwardTranslated(request: FastifyRequest, reply: FastifyReply, upstream: UpstreamConfig, plan: TranslationPlan, query: string): Promise<FastifyReply> {
    const base = deps.baseOptions(upstream);
    let upstreamQuery = query;
    if (!plan.request && plan.response) {
      setUpstreamQuery(request, upstreamQuery);
      request.verso!.sentAt = performance.now();
      return reply.from(`${upstream.url}${plan.upstreamPath}`, responseOptions(plan.response, upstream, deps).options);
    }
    const options: FromOptions = { ...base };

    if (plan.request) {
      const parts: RequestParts = { body: undefined, headers: stringHeaders(request.headers), query: parseQuery(query) };
      let raw: Buffer | undefined;
      if (plan.request.needsBody && request.body) {
        try {
          raw = await readAll(request.body as Readable, deps.bodyLimit);
        } catch (err) {
          if ((err as { code?: string }).code === BODY_TOO_LARGE) return failWithVersion(reply, deps, 'VERSO_BODY_TOO_LARGE', `The request body is larger than the limit of ${deps.bodyLimit} bytes.`);
          throw err;
        }
      }
      const started = performance.now();
      if (raw !== undefined) {
        if (raw.length > 0) {
          try {
            parts.body = JSON.parse(raw.toString('utf8')) as Json;
          } catch (err) {
            return failWithVersion(reply, deps, 'VERSO_INVALID_JSON', `The request body must be JSON for this operation in this version: ${(err as Error).message}.`);
          }
        }
      }
      const before = { ...parts.headers };
      try {
        plan.request.run(parts);
      } catch (err) {
        return changeFailed(request, reply, deps, err);
      }
      if (plan.request.needsBody && raw !== undefined && request.method !== 'GET' && request.method !== 'HEAD') {
        options.body = parts.body === undefined ? '' : JSON.stringify(parts.body);
        options.contentType = 'application/json';
      }
      upstreamQuery = stringifyQuery(parts.query, query);
      deps.observeTranslation('request', (performance.now() - started) / 1000);
      const changed = headerChanges(before, parts.headers);
      if (changed) {
        options.rewriteRequestHeaders = (req, headers) => {
          for (const name of changed.removed) delete headers[name];
          Object.assign(headers, changed.set);
          return base.rewriteRequestHeaders!(req, headers);
        };
      }
    }

    if (plan.response) {
      // Response handling is the same for every request of this (operation, versions, upstream):
      // built once, not per request.
      const prepared = responseOptions(plan.response, upstream, deps);
      options.onResponse = prepared.onResponse;
      options.rewriteRequestHeaders = prepared.rewriteRequestHeaders;
    }

    setUpstreamQuery(request, upstreamQuery);
    request.verso!.sentAt = performance.now();
    return reply.from(`${upstream.url}${plan.upstreamPath}`, options);
  };
}

interface PreparedResponse {
  options: FromOptions;
  onResponse: NonNullable<FromOptions['onResponse']>;
  rewriteRequestHeaders: NonNullable<FromOptions['rewriteRequestHeaders']>;
}

const prepared = new WeakMap<ResponseChain, Map<string, PreparedResponse>>();

function responseOptions(chain: ResponseChain, upstream: UpstreamConfig, deps: TranslatedForwardDeps): PreparedResponse {
  let byUpstream = prepared.get(chain);
  if (!byUpstream) prepared.set(chain, (byUpstream = new Map()));
  let entry = byUpstream.get(upstream.name);
  if (entry) return entry;
  const base = deps.baseOptions(upstream);
  const onResponse: PreparedResponse['onResponse'] = (rawReq, rawRep, rawRes) => {
    // reply-from's types describe `res` as a server response; it is the upstream's answer.
    const req = rawReq as FastifyRequest;
    const rep = rawRep as FastifyReply;
    const res = rawRes as unknown as { statusCode: number; headers: Record<string, unknown>; stream: Readable };
    const status = res.statusCode;
    const json = JSON_TYPE.test(String(res.headers['content-type'] ?? ''));
    if (!chain.needsBody(status) || !json) {
      const parts: ResponseParts = { status, body: undefined, headers: chain.touchesHeaders ? stringHeaders(rep.getHeaders()) : {} };
      if (!applyResponse(req, rep, deps, chain, parts)) return;
      rep.send(res.stream);
      return;
    }
    readAll(res.stream, Number.POSITIVE_INFINITY).then((buffer) => {
      const started = performance.now();
      let body: Json;
      try {
        body = JSON.parse(buffer.toString('utf8')) as Json;
      } catch {
        // The upstream broke its own contract; pass its bytes on rather than guess.
        req.log.warn({ upstream: upstream.name, status }, 'upstream sent invalid JSON; passed through untranslated');
        rep.send(buffer);
        return;
      }
      const parts: ResponseParts = { status, body, headers: chain.touchesHeaders ? stringHeaders(rep.getHeaders()) : {} };
      if (!applyResponse(req, rep, deps, chain, parts)) return;
      const json = parts.body === undefined ? '' : JSON.stringify(parts.body);
      deps.observeTranslation('response', (performance.now() - started) / 1000);
      rep.header('content-length', Buffer.byteLength(json));
      rep.send(json);
    }, (err: Error) => {
      req.log.warn({ err, upstream: upstream.name }, 'upstream response failed mid-body');
      rep.raw.destroy(err);
    });
  };
  // The chain parses the body, so ask for it uncompressed.
  const rewrite = base.rewriteRequestHeaders!;
  const rewriteRequestHeaders: PreparedResponse['rewriteRequestHeaders'] = (req, headers) => {
    delete headers['accept-encoding'];
    return rewrite(req, headers);
  };
  entry = { options: { ...base, onResponse, rewriteRequestHeaders }, onResponse, rewriteRequestHeaders };
  byUpstream.set(upstream.name, entry);
  return entry;
}

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

/** Run the response chain and copy status and headers back; false if a change failed. */
function applyResponse(request: FastifyRequest, reply: FastifyReply, deps: TranslatedForwardDeps, chain: ResponseChain, parts: ResponseParts): boolean {
  const before = chain.touchesHeaders ? { ...parts.headers } : undefined;
  try {
    chain.run(parts);
  } catch (err) {
    changeFailed(request, reply, deps, err);
    return false;
  }
  if (parts.status !== reply.statusCode) reply.code(parts.status);
  if (!before) return true;
  const changed = headerChanges(before, parts.headers);
  if (changed) {
    for (const name of changed.removed) reply.removeHeader(name);
    reply.headers(changed.set);
  }
  return true;
}

function changeFailed(request: FastifyRequest, reply: FastifyReply, deps: TranslatedForwardDeps, err: unknown): FastifyReply {
  if (!(err instanceof ChangeFailure)) throw err;
  request.log.error({ err: err.cause, change: err.changeId }, 'change failed');
  reply.removeHeader('content-length');
  reply.removeHeader('content-type');
  return failWithVersion(reply, deps, 'VERSO_CHANGE_FAILED', `The change ${err.changeId} failed while translating this request; it is logged with this request_id.`, { change: err.changeId });
}

function failWithVersion(reply: FastifyReply, deps: TranslatedForwardDeps, code: ProblemCode, detail: string, extensions?: Record<string, unknown>): FastifyReply {
  const ctx = reply.request.verso;
  if (ctx) {
    if (ctx.vary) reply.header('vary', ctx.vary);
    reply.headers(ctx.responseHeaders);
  }
  return deps.fail(reply, code, detail, extensions);
}

function stringHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function headerChanges(before: Record<string, string>, after: Record<string, string>): { removed: string[]; set: Record<string, string> } | undefined {
  const removed = Object.keys(before).filter((name) => !(name in after));
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(after)) if (before[name] !== value) set[name] = value;
  return removed.length === 0 && Object.keys(set).length === 0 ? undefined : { removed, set };
}

function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** The query string to send: the original, unless a change altered the parameters. */
function stringifyQuery(query: Record<string, string | string[]>, original: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  const rebuilt = params.toString();
  return rebuilt === new URLSearchParams(original).toString() ? original : rebuilt;
}

function readAll(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.destroy();
        reject(Object.assign(new Error(`body exceeds ${limit} bytes`), { code: BODY_TOO_LARGE }));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
