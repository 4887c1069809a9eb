/**
 * Forwarding for requests whose operation a change touches. The request body (only when the
 * chain needs it) is read whole, parsed once, moved through the request chain and serialized
 * once; the response likewise, on its way back: its chunks are collected by the exchange
 * (forward.ts) when the chain needs the body, else it streams through with only its status and
 * headers translated. Everything else about the exchange (headers, errors, timeouts) is the
 * passthrough forwarder's.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { UpstreamConfig } from '../config/types.js';
import type { ProblemCode } from '../errors.js';
import type { Json, RequestParts, ResponseParts } from '../translate/authoring.js';
import { ChangeFailure } from '../translate/model.js';
import type { TranslationPlan } from '../translate/translator.js';
import type { ResponseChain } from '../translate/chain.js';
import { BODY_TOO_LARGE, type AnswerTranslation, type ExchangeOptions, type Forward } from './forward.js';
import type { Headers } from './headers.js';

export interface TranslatedForwardDeps {
  bodyLimit: number;
  /** The passthrough forwarder (forward.ts), which takes the exchange options built here. */
  forward: Forward;
  fail(reply: FastifyReply, code: ProblemCode, detail: string, extensions?: Record<string, unknown>): FastifyReply;
  /** Seconds spent translating one body: parse, changes, serialize (the translation latency metric). */
  observeTranslation(direction: 'request' | 'response', seconds: number): void;
}

export function createTranslatedForwarder(deps: TranslatedForwardDeps) {
  /** The response side is the same for every request of one (chain, upstream): built once, not per request. */
  const answers = new WeakMap<ResponseChain, Map<string, AnswerTranslation>>();
  function answerFor(chain: ResponseChain, upstream: UpstreamConfig): AnswerTranslation {
    let byUpstream = answers.get(chain);
    if (!byUpstream) answers.set(chain, (byUpstream = new Map()));
    let answer = byUpstream.get(upstream.name);
    if (!answer) byUpstream.set(upstream.name, (answer = translateAnswer(chain, upstream, deps)));
    return answer;
  }

  /** Exchange options of a plan without a request chain: the same for every request, built once. */
  const responseOnly = new WeakMap<ResponseChain, Map<string, ExchangeOptions>>();
  function responseOptions(chain: ResponseChain, upstream: UpstreamConfig): ExchangeOptions {
    let byUpstream = responseOnly.get(chain);
    if (!byUpstream) responseOnly.set(chain, (byUpstream = new Map()));
    let options = byUpstream.get(upstream.name);
    // The chain parses the body, so ask for it uncompressed.
    if (!options) byUpstream.set(upstream.name, (options = Object.freeze({ answer: answerFor(chain, upstream), identity: true })));
    return options;
  }

  return function forwardTranslated(request: FastifyRequest, reply: FastifyReply, upstream: UpstreamConfig, plan: TranslationPlan, query: string): FastifyReply | Promise<FastifyReply> {
    // Most translated requests are reads: nothing to wait for before the request goes out.
    if (!plan.request) return deps.forward(request, reply, upstream, plan.upstreamPath, query, responseOptions(plan.response!, upstream));
    return forwardWithRequestChain(request, reply, upstream, plan, query);
  };

  async function forwardWithRequestChain(request: FastifyRequest, reply: FastifyReply, upstream: UpstreamConfig, plan: TranslationPlan, query: string): Promise<FastifyReply> {
    const options: ExchangeOptions = plan.response ? { answer: answerFor(plan.response, upstream), identity: true } : {};
    let upstreamQuery = query;

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
      }
      upstreamQuery = stringifyQuery(parts.query, query);
      deps.observeTranslation('request', (performance.now() - started) / 1000);
      const changed = headerChanges(before, parts.headers);
      if (changed) options.requestHeaders = changed;
    }

    return deps.forward(request, reply, upstream, plan.upstreamPath, upstreamQuery, options);
  }
}

/** The response chain as the exchange runs it (forward.ts, AnswerTranslation). */
function translateAnswer(chain: ResponseChain, upstream: UpstreamConfig, deps: TranslatedForwardDeps): AnswerTranslation {
  return {
    collects(status, headers) {
      return chain.needsBody(status) && JSON_TYPE.test(String(headers['content-type'] ?? ''));
    },
    head(reply, status, headers) {
      const parts: ResponseParts = { status, body: undefined, headers: chain.touchesHeaders ? stringHeaders(headers) : {} };
      if (!runResponse(reply, deps, chain, parts, headers)) return undefined;
      return { status: parts.status, headers };
    },
    whole(reply, status, headers, buffer) {
      const started = performance.now();
      let body: Json;
      try {
        body = JSON.parse(buffer.toString('utf8')) as Json;
      } catch {
        // The upstream broke its own contract; pass its bytes on rather than guess.
        reply.request.log.warn({ upstream: upstream.name, status }, 'upstream sent invalid JSON; passed through untranslated');
        return { status, headers, body: buffer };
      }
      const parts: ResponseParts = { status, body, headers: chain.touchesHeaders ? stringHeaders(headers) : {} };
      if (!runResponse(reply, deps, chain, parts, headers)) return undefined;
      const json = parts.body === undefined ? '' : JSON.stringify(parts.body);
      deps.observeTranslation('response', (performance.now() - started) / 1000);
      headers['content-length'] = String(Buffer.byteLength(json));
      return { status: parts.status, headers, body: json };
    },
  };
}

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

/**
 * Run the response chain; its header changes are made on `headers` (the answer's, to be sent),
 * so headers no change touched keep their exact form (several Set-Cookie values stay several).
 * False when a change failed: a problem response has been sent.
 */
function runResponse(reply: FastifyReply, deps: TranslatedForwardDeps, chain: ResponseChain, parts: ResponseParts, headers: Headers): boolean {
  const before = chain.touchesHeaders ? { ...parts.headers } : undefined;
  try {
    chain.run(parts);
  } catch (err) {
    changeFailed(reply.request, reply, deps, err);
    return false;
  }
  if (!before) return true;
  const changed = headerChanges(before, parts.headers);
  if (changed) {
    for (const name of changed.removed) delete headers[name];
    Object.assign(headers, changed.set);
  }
  return true;
}

function changeFailed(request: FastifyRequest, reply: FastifyReply, deps: TranslatedForwardDeps, err: unknown): FastifyReply {
  if (!(err instanceof ChangeFailure)) throw err;
  request.log.error({ err: err.cause, change: err.changeId }, 'change failed');
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
