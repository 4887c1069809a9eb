/**
 * Responding: everything the gateway itself writes back to a client, for both listeners.
 *
 * - Problems: every error the gateway makes is an RFC 9457 `application/problem+json` document
 *   (errors.ts lists them). On the public listener a problem carries `Vary` and, once the
 *   version is known, the version's headers (`API-Version`, `Deprecation`, `Sunset`, `Link`),
 *   like any other answer.
 * - The head of a proxied answer: the upstream's headers less hop-by-hop ones (RFC 9110
 *   §7.6.1), `Vary` merged with the headers that select the version, the version's headers in.
 * - The down-chain: the response chain run on a translated answer's status, headers and body.
 *   The body is parsed once and serialized once, whatever the chain's length.
 *
 * The request half of the path is in handle-request.ts; the exchange with the upstream (which
 * calls into this module when the answer arrives) is in proxy/forward.ts.
 */

import type { FastifyReply } from 'fastify';
import type { GatewayConfig } from './config/types.js';
import { renderTemplate } from './error-template.js';
import { PROBLEM_CONTENT_TYPE, problem, type ProblemCode } from './errors.js';
import { mergeVary, withoutHopByHop, type Headers } from './proxy/headers.js';
import { deeperThan } from './proxy/json-depth.js';
import type { RequestContext } from './request-context.js';
import type { Json, ResponseParts } from './translate/authoring.js';
import type { ResponseChain } from './translate/chain.js';
import { ChangeFailure } from './translate/model.js';

/** Answer with a problem document; nothing happens when a response has already been sent. */
export type SendProblem = (reply: FastifyReply, code: ProblemCode, detail: string, extensions?: Record<string, unknown>) => FastifyReply;

/**
 * The problem sender of a listener; `baseUrl` is `problems.baseUrl`, the prefix of every `type`.
 * With `errors` (the public listener's `errors` config) set to a template, errors are rendered in
 * the API's own shape (error-template.ts) instead of RFC 9457.
 */
export function problemSender(baseUrl: string, errors?: GatewayConfig['errors']): SendProblem {
  const template = errors?.format === 'template' ? errors.template : undefined;
  const contentType = template === undefined ? PROBLEM_CONTENT_TYPE : errors!.contentType;
  return function sendProblem(reply, code, detail, extensions) {
    if (reply.sent) return reply;
    const ctx = reply.request.verso;
    if (ctx) {
      if (ctx.vary) reply.header('vary', ctx.vary);
      reply.headers(ctx.responseHeaders);
    }
    const body = problem(baseUrl, code, detail, { ...extensions, request_id: reply.request.id });
    return reply.code(body.status).type(contentType).send(JSON.stringify(template === undefined ? body : renderTemplate(template, body)));
  };
}

/**
 * The headers of a proxied answer, as the client gets them: hop-by-hop headers out, `Vary`
 * merged, `Connection: close` while draining, the version's headers in. A new object.
 */
export function answerHeaders(ctx: RequestContext, upstream: Headers, closing: boolean): Headers {
  const headers = withoutHopByHop(upstream);
  if (ctx.vary || headers.vary !== undefined) headers.vary = mergeVary(headers.vary, ctx.vary);
  if (closing) headers.connection = 'close';
  Object.assign(headers, ctx.responseHeaders);
  return headers;
}

/** A change threw: log it with the change's id and answer 500 `change-failed` naming it. */
export function changeFailed(reply: FastifyReply, sendProblem: SendProblem, err: unknown): FastifyReply {
  if (!(err instanceof ChangeFailure)) throw err;
  reply.request.log.error({ err: err.cause, change: err.changeId }, 'change failed');
  return sendProblem(reply, 'VERSO_CHANGE_FAILED', `The change ${err.changeId} failed while translating this request; it is logged with this request_id.`, { change: err.changeId });
}

/**
 * The down-chain as an exchange runs it (proxy/forward.ts): given an answer's status and its
 * headers already rewritten by `answerHeaders`, either the body must be collected and
 * translated whole (`collects`), or only the status and headers are translated (`head`) and
 * the body streams through.
 */
export interface AnswerTranslation {
  collects(status: number, headers: Headers): boolean;
  /** The translated status (headers are changed in place); undefined when a change failed and a problem was sent. */
  head(reply: FastifyReply, status: number, headers: Headers): number | undefined;
  /**
   * The translated answer, from the answer's text (decoded chunk by chunk as it arrived, so a
   * character cut between two chunks survives; no Buffer holds the whole answer). Undefined when
   * a problem was sent instead.
   */
  whole(reply: FastifyReply, status: number, headers: Headers, text: string, upstream: string): { status: number; body: string } | undefined;
}

export interface DownChainDeps {
  sendProblem: SendProblem;
  /** `proxy.jsonDepth`: an answer nested deeper is not translated (502). */
  jsonDepth: number;
  /** Seconds spent translating one body: parse, changes, serialize (the translation latency metric). */
  observeTranslation(direction: 'request' | 'response', seconds: number): void;
}

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

/** Built once per response chain (every request of that chain shares it). */
export function downChain(chain: ResponseChain, deps: DownChainDeps): AnswerTranslation {
  /** Run the chain; false when a change failed (a problem has been sent). */
  function run(reply: FastifyReply, parts: ResponseParts): boolean {
    try {
      chain.run(parts);
      return true;
    } catch (err) {
      changeFailed(reply, deps.sendProblem, err);
      return false;
    }
  }
  /** A 502 for an answer that cannot be translated, logged with its upstream. */
  function badAnswer(reply: FastifyReply, upstream: string, status: number, what: string): undefined {
    reply.request.log.warn({ upstream, status }, `upstream answer not translated: its body ${what}`);
    deps.sendProblem(reply, 'VERSO_BAD_GATEWAY', `The upstream "${upstream}" answered with a body that ${what}, so it cannot be given in this API version.`);
    return undefined;
  }
  return {
    collects(status, headers) {
      return chain.needsBody(status) && JSON_TYPE.test(String(headers['content-type'] ?? ''));
    },
    head(reply, status, headers) {
      const view = chain.touchesHeaders ? headerView(headers) : NO_HEADERS;
      const parts: ResponseParts = { status, body: undefined, headers: view };
      if (!run(reply, parts)) return undefined;
      if (parts.headers !== view) replaceHeaders(headers, parts.headers);
      return parts.status;
    },
    whole(reply, status, headers, text, upstream) {
      const started = performance.now();
      let body: Json;
      try {
        body = JSON.parse(text) as Json;
      } catch (err) {
        // The upstream broke its own contract: its body is in no version's shape, so none can be
        // promised to the client (passing it on would label it with the client's version).
        return badAnswer(reply, upstream, status, `was not valid JSON (${(err as Error).message})`);
      }
      if (deeperThan(body, deps.jsonDepth)) return badAnswer(reply, upstream, status, `nests arrays and objects deeper than ${deps.jsonDepth} levels (proxy.jsonDepth)`);
      const view = chain.touchesHeaders ? headerView(headers) : NO_HEADERS;
      const parts: ResponseParts = { status, body, headers: view };
      if (!run(reply, parts)) return undefined;
      if (parts.headers !== view) replaceHeaders(headers, parts.headers);
      // Sent as a string, which Node encodes straight into the socket's write; encoding it to a Buffer
      // first (and taking the length from that) measured the same on the 20 KB list (0.997, 6 pairs).
      const json = parts.body === undefined ? '' : JSON.stringify(parts.body);
      deps.observeTranslation('response', (performance.now() - started) / 1000);
      headers['content-length'] = String(Buffer.byteLength(json));
      return { status: parts.status, body: json };
    },
  };
}

/** What a chain that never touches headers is given: nothing to read, and nothing it writes is kept. */
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * The answer's headers as a change sees them (`ResponseParts.headers`: lower-cased names, one
 * string per header), written through to the headers that will be sent. A change that reads a
 * header or two costs a lookup each, not a copy of every header and a diff afterwards; headers
 * it leaves alone keep their exact form (several Set-Cookie values stay several).
 */
export function headerView(headers: Headers): Record<string, string> {
  return new Proxy(headers, {
    get: (target, name) => (typeof name === 'string' ? asString(target[name.toLowerCase()]) : undefined),
    set: (target, name, value) => {
      if (typeof name === 'string') target[name.toLowerCase()] = String(value);
      return true;
    },
    deleteProperty: (target, name) => {
      if (typeof name === 'string') delete target[name.toLowerCase()];
      return true;
    },
    has: (target, name) => typeof name === 'string' && target[name.toLowerCase()] !== undefined,
    ownKeys: (target) => Object.keys(target).filter((name) => target[name] !== undefined),
    getOwnPropertyDescriptor: (target, name) => {
      if (typeof name !== 'string' || target[name] === undefined) return undefined;
      return { value: asString(target[name]), writable: true, enumerable: true, configurable: true };
    },
  }) as unknown as Record<string, string>;
}

function asString(value: Headers[string]): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** A change that assigned `parts.headers` a new object: the answer's headers become that object's. */
function replaceHeaders(headers: Headers, after: Record<string, string>): void {
  for (const name of Object.keys(headers)) if (!(name.toLowerCase() in after) && !(name in after)) delete headers[name];
  for (const [name, value] of Object.entries(after)) headers[name.toLowerCase()] = value;
}
