/**
 * The request path. Every request on the public listener arrives here from the catch-all route
 * in server.ts and goes, top to bottom:
 *
 *   normalise target → identify client → resolve version (pin) → route → plan → lifecycle
 *   → body limit → up-chain → proxy
 *
 * and then, in proxy/forward.ts and respond.ts, down-chain → answer with the version's headers;
 * once the response has finished, the completion steps composed in server.ts record usage,
 * count the request and write the access line (completion.ts), from what this path wrote into
 * the request's context.
 *
 * Each step is a pure function or a precomputed table; only the proxy does I/O. A step that
 * says no answers with an RFC 9457 problem (respond.ts) and the upstream is never contacted.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig, VersionConfig } from './config/types.js';
import type { ClientIdentity, IdentifyInput } from './clients/identify.js';
import type { ProblemCode } from './errors.js';
import type { Lifecycle, Verdict } from './lifecycle/lifecycle.js';
import { httpDate } from './lifecycle/lifecycle.js';
import type { Resolver } from './resolve/resolver.js';
import { normalizeTarget } from './proxy/target.js';
import { repeatedHeader } from './proxy/headers.js';
import type { RouteTable } from './proxy/route-table.js';
import { bodyTooLarge, declaredTooLarge } from './proxy/body-limit.js';
import { watchBody } from './listener.js';
import type { TranslateRequest } from './proxy/translate-request.js';
import type { Forward } from './proxy/forward.js';
import type { SendProblem } from './respond.js';
import type { RequestContext } from './request-context.js';
import { logClient } from './request-log.js';
import { NOT_IN_VERSION, type Plan, type Translator } from './translate/translator.js';

/** What the request path needs of the pin book (usage/pins.ts): synchronous, no I/O. */
export interface PinLookup {
  get(client: string): string | undefined;
  /** Pin a client that has no pin yet; the store write happens later, off the request path. */
  pinFirst(client: string, version: string): void;
}

/** Pinning off: nobody has a pin and nothing is pinned. */
export const PINS_OFF: PinLookup = { get: () => undefined, pinFirst: () => {} };

/** No changes configured: no path is a spec operation, so every request is planned by its route. */
export const NO_TRANSLATION: Pick<Translator, 'plan'> = { plan: () => undefined };

export interface RequestPathDeps {
  config: GatewayConfig;
  resolver: Resolver;
  routes: RouteTable;
  lifecycle: Lifecycle;
  identify(input: IdentifyInput): ClientIdentity;
  /** Client pins; `PINS_OFF` when `pin` is not in `resolve.order`. */
  pins: Pick<PinLookup, 'get' | 'pinFirst'>;
  /** The translation engine; `NO_TRANSLATION` when no changes are configured. */
  translator: Pick<Translator, 'plan'>;
  translateRequest: TranslateRequest;
  forward: Forward;
  sendProblem: SendProblem;
  now(): number;
  random(): number;
  isClosing(): boolean;
}

export function createRequestHandler(deps: RequestPathDeps) {
  const { config, resolver, routes, lifecycle, translator, sendProblem: fail } = deps;
  const vary = resolver.varyHeaders.join(', ');
  const versionHeaders = new Map<string, Record<string, string>>();
  for (const v of config.versions) {
    versionHeaders.set(v.id, { [config.resolve.responseHeader.toLowerCase()]: v.id, ...lifecycle.headers.get(v.id) });
  }
  const supported = resolver.catalog.supported;
  const tooLarge = bodyTooLarge(config.proxy.bodyLimit);
  // Headers a request may carry once: what the gateway reads them for must not depend on which line wins.
  const singletons = new Set(['host', 'authorization', 'content-type', config.resolve.header.toLowerCase(), ...config.clients.flatMap((rule) => ('header' in rule ? [rule.header.toLowerCase()] : []))]);
  const singletonLengths = new Set([...singletons].map((name) => name.length));
  const pinAll = config.pins.firstRequest === 'all';

  return function handleRequest(request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> {
    // Every answer from here on, problems included, carries what the context knows (respond.ts).
    const ctx: RequestContext = {
      client: deps.identify({ headers: request.headers, remoteAddress: request.socket.remoteAddress }),
      version: undefined,
      source: undefined,
      path: undefined,
      route: undefined,
      upstream: undefined,
      plan: undefined,
      sentAt: 0,
      vary,
      responseHeaders: NO_HEADERS,
      reply,
      completed: false,
    };
    request.verso = ctx;
    logClient(request.log, ctx.client.id);
    if (deps.isClosing()) {
      reply.header('connection', 'close');
      return fail(reply, 'VERSO_SHUTTING_DOWN', 'The gateway is shutting down; retry on another instance.');
    }

    const repeated = repeatedHeader(request.raw.rawHeaders, singletons, singletonLengths);
    if (repeated !== undefined) {
      reply.header('connection', 'close');
      return fail(reply, 'VERSO_MALFORMED_REQUEST', `The ${repeated} header appears more than once; it must appear once (RFC 9110 §5.3, RFC 9112 §3.2).`);
    }

    const target = normalizeTarget(request.raw.url ?? '/');
    if (!target.ok) return fail(reply, 'VERSO_INVALID_PATH', `The request path is not acceptable: ${target.reason}.`);

    // Stripe-style pinning: a client's first request pins it to the version it used; later
    // requests that name no version get the pin. Remote addresses are shared and reassigned, so
    // a client known only by its address is never pinned. A first request pins only a client whose
    // id it cannot mint at will (pins.firstRequest: verified), or any (all): a stream of made-up
    // header ids would otherwise grow the pin set without bound (issue 10).
    const pinnable = ctx.client.by !== 'remote-address';
    const pin = pinnable ? deps.pins.get(ctx.client.id) : undefined;
    const pinsFirst = pinnable && (pinAll || ctx.client.by === 'api-key' || (ctx.client.by === 'jwt' && ctx.client.verified === true));
    const resolved = resolver.resolve({ path: target.path, query: target.query, headers: request.headers, pin });
    if (!resolved.ok) {
      return fail(reply, PROBLEM_OF[resolved.kind], resolved.detail, { supported_versions: supported, ...(resolved.requested ? { requested_version: resolved.requested } : {}) });
    }
    const version = resolved.version;
    // Octokit's default `Accept: application/vnd.github.v3+json` beside a valid version header (issue 12).
    if (resolved.ignoredVendorVersion !== undefined) request.log.debug({ ignored_vendor_version: resolved.ignoredVendorVersion }, 'the Accept header\'s vendor media type names no configured version; ignored (resolve.mediaType.unknownVendor: ignore)');
    if (pinsFirst && pin === undefined) deps.pins.pinFirst(ctx.client.id, version.id);
    ctx.version = version;
    ctx.source = resolved.source;
    ctx.path = resolved.path;
    ctx.responseHeaders = versionHeaders.get(version.id)!;

    const route = routes.match(resolved.path);
    if (!route) return fail(reply, 'VERSO_NOT_FOUND', `No route serves ${resolved.path}.`);
    ctx.route = route;
    const upstream = route.upstreamFor(version);
    ctx.upstream = upstream;

    // The chains for (operation, client version, upstream version) were built at start-up; an
    // operation no change touches has none and streams through untouched. A path that is no
    // operation of the spec is its route's (usage counts it under `GET /orders/*`).
    const planned = translator.plan(request.method, resolved.path, version.id, upstream.speaks);
    if (planned === NOT_IN_VERSION) {
      return fail(reply, 'VERSO_ENDPOINT_NOT_IN_VERSION', `${request.method} ${resolved.path} does not exist in version ${version.id}; it was added or renamed in a later version.`);
    }
    const plan: Plan = planned ?? { operation: route.wildcard(request.method), upstreamPath: resolved.path };
    ctx.plan = plan;

    const refusal = lifecycleRefusal(lifecycle.check(version, deps.now(), deps.random));
    if (refusal) return fail(reply, refusal.code, refusal.detail, refusal.extensions);

    if (declaredTooLarge(request.headers, config.proxy.bodyLimit)) {
      // Close rather than read and discard a body we refused (as nginx does).
      reply.header('connection', 'close');
      return fail(reply, tooLarge.code, tooLarge.detail, tooLarge.extensions);
    }

    // A body that stops arriving: 408 and the connection closed, which cancels the upstream request.
    if (request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined) {
      watchBody(request.raw, config.listen.timeouts.bodyTimeoutMs, () => {
        // Ending the body stream with an error is what makes undici give up the upstream request.
        const stall = () => request.raw.destroy(new Error('request body stalled (listen.bodyTimeout)'));
        if (reply.raw.headersSent) return stall();
        reply.raw.once('finish', stall);
        reply.header('connection', 'close');
        fail(reply, 'VERSO_REQUEST_TIMEOUT', `No byte of the request body arrived for ${config.listen.timeouts.bodyTimeoutMs / 1000} s (listen.bodyTimeout).`);
      });
    }

    if (plan.request === undefined) return deps.forward(request, reply, upstream, plan, target.query);
    return deps.translateRequest(request, reply, plan.request, target.query)
      .then((changes) => (changes === undefined ? reply : deps.forward(request, reply, upstream, plan, target.query, changes)));
  };
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The problem for each way version resolution can fail (the request path and WebSocket handshakes). */
export const PROBLEM_OF: Record<'invalid-version' | 'unknown-version' | 'version-conflict' | 'version-required', ProblemCode> = {
  'invalid-version': 'VERSO_INVALID_VERSION',
  'unknown-version': 'VERSO_UNKNOWN_VERSION',
  'version-conflict': 'VERSO_VERSION_CONFLICT',
  'version-required': 'VERSO_VERSION_REQUIRED',
};

/** The problem a sunset or a brownout answers with, or undefined when the version is served. */
export function lifecycleRefusal(verdict: Verdict): { code: ProblemCode; detail: string; extensions: Record<string, unknown> } | undefined {
  if (verdict.kind === 'sunset') return { code: 'VERSO_VERSION_SUNSET', detail: sunsetDetail(verdict.version), extensions: lifecycleFacts(verdict.version) };
  if (verdict.kind === 'brownout') {
    const { version, until } = verdict;
    return {
      code: 'VERSO_VERSION_BROWNOUT',
      detail: `${version.id} is in a scheduled brownout until ${new Date(until).toISOString()}, a rehearsal of its sunset on ${new Date(version.sunset!).toISOString()}. ${migrate(version)}`,
      extensions: { ...lifecycleFacts(version), brownout_until: new Date(until).toISOString() },
    };
  }
  return undefined;
}

function migrate(version: VersionConfig): string {
  return version.successor ? `Migrate to ${version.successor}.` : 'Migrate to a newer version.';
}

function sunsetDetail(version: VersionConfig): string {
  return `${version.id} was sunset on ${httpDate(version.sunset!)} and is no longer served. ${migrate(version)}`;
}

function lifecycleFacts(version: VersionConfig): Record<string, unknown> {
  return {
    version: version.id,
    sunset: new Date(version.sunset!).toISOString(),
    ...(version.successor ? { successor_version: version.successor } : {}),
  };
}
