/**
 * The up-chain: a request whose operation a change touches is moved to the upstream's version
 * before it is sent. Its body (only when the chain needs it) is read whole, decoded once (JSON, or
 * a form with Stripe/Rails/qs brackets: translate/form.ts; any other media type gets 415), moved
 * through every step of the chain and encoded once in the client's encoding; headers and query parameters the chain
 * changed are handed to the exchange (forward.ts) as changes to make, so everything else about
 * the upstream request stays the passthrough's.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { Json, RequestParts } from '../translate/authoring.js';
import type { RequestChain } from '../translate/chain.js';
import { bodyKind, decodeForm, encodeForm, FORM_TYPE, TRANSLATABLE_TYPES, type ArrayStyle } from '../translate/form.js';
import { changeFailed, type SendProblem } from '../respond.js';
import { bodyTooLarge, limitExceeded, readAll } from './body-limit.js';
import { deeperThan } from './json-depth.js';

/** What the up-chain changed about a request; the exchange applies it. */
export interface RequestChanges {
  /** Headers the chain removed, and those it set (lower-cased names). */
  removedHeaders: string[];
  setHeaders: Record<string, string>;
  /** A replacement body, in the client's encoding (JSON or form), sent instead of the client's. */
  body: string | undefined;
  /** The query string to send (without "?"). */
  query: string;
}

export interface UpChainDeps {
  bodyLimit: number;
  /** `proxy.jsonDepth`: a JSON body nested deeper is refused (400 invalid-json). */
  jsonDepth: number;
  sendProblem: SendProblem;
  /** Seconds spent translating one body: parse, changes, serialize (the translation latency metric). */
  observeTranslation(direction: 'request', seconds: number): void;
}

/**
 * Run the up-chain on a request: the changes to make to it, or undefined when the request was
 * answered here (a body over the limit, invalid JSON, a change that threw).
 */
export function createUpChain(deps: UpChainDeps) {
  return async function translateRequest(request: FastifyRequest, reply: FastifyReply, chain: RequestChain, query: string): Promise<RequestChanges | undefined> {
    const parts: RequestParts = { body: undefined, headers: stringHeaders(request.headers), query: parseQuery(query) };
    let raw: Buffer | undefined;
    if (chain.needsBody && request.body) {
      try {
        raw = await readAll(request.body as Readable, deps.bodyLimit);
      } catch (err) {
        const limit = limitExceeded(err);
        if (limit === undefined) throw err;
        const { code, detail, extensions } = bodyTooLarge(limit);
        deps.sendProblem(reply, code, detail, extensions);
        return undefined;
      }
    }
    const started = performance.now();
    const contentType = request.headers['content-type'];
    const kind = bodyKind(contentType);
    let style: ArrayStyle = 'indices';
    if (raw !== undefined && raw.length > 0) {
      if (kind === undefined) {
        deps.sendProblem(reply, 'VERSO_UNSUPPORTED_MEDIA_TYPE', `This operation's request body is translated between API versions, which Verso can do for ${TRANSLATABLE_TYPES.join(' and ')} bodies, not ${contentType}.`, { supported_media_types: [...TRANSLATABLE_TYPES] });
        return undefined;
      }
      const text = raw.toString('utf8');
      if (kind === 'form') {
        try {
          const form = decodeForm(text);
          style = form.style;
          parts.body = chain.coerceForm(form.value);
        } catch (err) {
          deps.sendProblem(reply, 'VERSO_INVALID_FORM', `The request body could not be read as ${FORM_TYPE}: ${(err as Error).message}.`);
          return undefined;
        }
      } else {
        try {
          parts.body = JSON.parse(text) as Json;
        } catch (err) {
          deps.sendProblem(reply, 'VERSO_INVALID_JSON', `The request body must be JSON for this operation in this version: ${(err as Error).message}.`);
          return undefined;
        }
        if (deeperThan(parts.body, deps.jsonDepth)) {
          deps.sendProblem(reply, 'VERSO_INVALID_JSON', `The request body nests arrays and objects deeper than ${deps.jsonDepth} levels, the most this gateway translates (proxy.jsonDepth).`, { max_depth: deps.jsonDepth });
          return undefined;
        }
      }
    }
    const before = { ...parts.headers };
    try {
      chain.run(parts);
    } catch (err) {
      changeFailed(reply, deps.sendProblem, err);
      return undefined;
    }
    let body: string | undefined;
    if (chain.needsBody && raw !== undefined && request.method !== 'GET' && request.method !== 'HEAD') {
      // Sent on in the client's own encoding (its Content-Type is kept).
      body = parts.body === undefined ? '' : kind === 'form' ? encodeForm(parts.body, style) : JSON.stringify(parts.body);
    }
    deps.observeTranslation('request', (performance.now() - started) / 1000);
    const removedHeaders = Object.keys(before).filter((name) => !(name in parts.headers));
    const setHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(parts.headers)) if (before[name] !== value) setHeaders[name.toLowerCase()] = value;
    return { removedHeaders, setHeaders, body, query: stringifyQuery(parts.query, query) };
  };
}

export type TranslateRequest = ReturnType<typeof createUpChain>;

function stringHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
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
