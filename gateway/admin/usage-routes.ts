/**
 * The usage API and pins on the admin listener. JSON shapes are in usage/types.ts; reports are
 * built in usage/report.ts.
 *
 *   GET    /usage               requests grouped by version, client or operation
 *   GET    /usage/series        requests per version over time (the dashboard's chart)
 *   GET    /usage/deprecated    who still calls deprecated or sunset versions, and what moving costs them
 *   GET    /usage/clients/:id   one client: versions, operations, pin, impact
 *   GET    /pins                every pin
 *   PUT    /pins/:client        pin a client: {"version": "2024-09-01"} (id, alias or date)
 *   DELETE /pins/:client        remove a client's pin
 *
 * A bad parameter is a 400 `VERSO_INVALID_QUERY` naming it and what would be valid; unknown
 * parameters are refused the same way, so a typo (`form=7d`) never silently reports the default
 * range. A store that rejects is a 503 `VERSO_STORE_UNAVAILABLE`, its cause logged.
 */

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config/types.js';
import { PROBLEM_CONTENT_TYPE, problem, type ProblemCode } from '../errors.js';
import { VersionCatalog } from '../resolve/catalog.js';
import type { Impact } from '../usage/impact.js';
import type { PinBook } from '../usage/pins.js';
import {
  MAX_SERIES_POINTS, createReports, formatStep, iso, parseInstant, parseStep, pinJson, pinsResponse, resolveRange, type ReportBy,
} from '../usage/report.js';
import type { UsageFilter, UsageStore } from '../usage/types.js';

export interface UsageRouteDeps {
  config: GatewayConfig;
  store: UsageStore;
  /**
   * The running gateway's pin book, so a pin set here takes effect at once on this replica.
   * Absent (pinning is off: `resolve.order` has no `pin`): the routes manage the store's pins
   * directly; they take effect once pinning is turned on.
   */
  pins?: PinBook;
  impact: Impact;
  now(): number;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;
const BY: readonly ReportBy[] = ['version', 'client', 'operation'];

type Query = Record<string, string | string[] | undefined>;

/** A parameter the caller got wrong; becomes a 400 naming it. */
class QueryError extends Error {
  constructor(readonly parameter: string, message: string, readonly extensions: Record<string, unknown> = {}) {
    super(message);
  }
}

/** The store (or the pin book's store) rejected; becomes a 503. */
class StoreUnavailable extends Error {
  constructor(override readonly cause: unknown) {
    super(`usage store unavailable: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** Await a store call, turning its rejection into `StoreUnavailable`. */
async function fromStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new StoreUnavailable(err);
  }
}

/** The store with every method's rejection tagged, so a bug here is still a 500 and the store's trouble a 503. */
function guarded(store: UsageStore): UsageStore {
  const wrap = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A) => fromStore(() => fn.apply(store, args));
  return {
    kind: store.kind,
    init: wrap(store.init),
    write: wrap(store.write),
    summarize: wrap(store.summarize),
    series: wrap(store.series),
    clients: wrap(store.clients),
    rollup: wrap(store.rollup),
    listPins: wrap(store.listPins),
    setPin: wrap(store.setPin),
    clearPin: wrap(store.clearPin),
    close: wrap(store.close),
  };
}

export function registerUsageRoutes(admin: FastifyInstance, deps: UsageRouteDeps): void {
  const { config, now } = deps;
  const store = guarded(deps.store);
  const catalog = new VersionCatalog(config.versions);
  const pins: Pick<PinBook, 'set' | 'clear' | 'list'> = deps.pins ?? {
    set: (client, version) => store.setPin({ client, version, pinnedAt: now(), by: 'admin' }, false),
    clear: (client) => store.clearPin(client),
    list: () => store.listPins(),
  };
  const book = deps.pins;
  const reports = createReports({ config, store, impact: deps.impact, now, ...(book ? { pinOf: (client: string) => book.get(client) } : {}) });

  // Same shape and headers as every other problem the gateway sends (see docs.ts).
  const send = (reply: FastifyReply, code: ProblemCode, detail: string, extensions: Record<string, unknown> = {}) => {
    const body = problem(config.problems.baseUrl, code, detail, { ...extensions, request_id: reply.request.id });
    return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  };

  /** Run a handler; parameter mistakes become 400s and store trouble 503s. Anything else is a bug and stays one. */
  const handle = <R extends FastifyRequest>(fn: (request: R, reply: FastifyReply) => Promise<unknown>) =>
    async (request: R, reply: FastifyReply) => {
      try {
        return await fn(request, reply);
      } catch (err) {
        if (err instanceof QueryError) return send(reply, 'VERSO_INVALID_QUERY', err.message, { parameter: err.parameter, ...err.extensions });
        if (err instanceof StoreUnavailable) {
          request.log.warn({ err: err.cause, store: deps.store.kind }, 'usage store unavailable');
          return send(reply, 'VERSO_STORE_UNAVAILABLE', `The usage store (${deps.store.kind}) did not answer; try again shortly. The cause is in the gateway's log.`);
        }
        throw err;
      }
    };

  // ---- parameters ----

  function only(path: string, query: Query, allowed: readonly string[]): void {
    for (const name of Object.keys(query)) {
      if (allowed.includes(name)) continue;
      throw new QueryError(name, `Unknown query parameter "${name}"; ${path} ${allowed.length ? `accepts ${allowed.join(', ')}` : 'takes none'}.`);
    }
  }

  function single(query: Query, name: string): string | undefined {
    const value = query[name];
    if (Array.isArray(value)) throw new QueryError(name, `"${name}" is given ${value.length} times; give it once.`);
    return value;
  }

  function range(query: Query): UsageFilter {
    const at = now();
    const instant = (name: 'from' | 'to') => {
      const raw = single(query, name);
      if (raw === undefined) return undefined;
      const ms = parseInstant(raw, at);
      if (ms === undefined) {
        throw new QueryError(name, `"${name}" must be an RFC 3339 date or date-time (2025-06-01, 2025-06-01T12:00:00Z) or a time before now (30m, 24h, 7d, 2w); got "${raw}".`);
      }
      return ms;
    };
    const filter: UsageFilter = { from: instant('from'), to: instant('to') };
    const { from, to } = resolveRange(filter, at);
    if (from >= to) throw new QueryError('from', `"from" (${iso(from)}) must be before "to" (${iso(to)}).`);
    return { from, to };
  }

  function limit(query: Query): number {
    const raw = single(query, 'limit');
    if (raw === undefined) return DEFAULT_LIMIT;
    if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT) {
      throw new QueryError('limit', `"limit" must be a whole number from 1 to ${MAX_LIMIT}; got "${raw}".`);
    }
    return Number(raw);
  }

  /** `version=v1&version=2024-01-01` or `version=v1,2024-01-01`: ids, aliases or dates, as a request names them. */
  function versions(query: Query): string[] | undefined {
    const value = query.version;
    if (value === undefined) return undefined;
    const ids = new Set<string>();
    for (const raw of (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(','))) {
      const lookup = catalog.lookup(raw);
      if (!lookup.ok) {
        throw new QueryError('version', `Unknown version "${raw}" in "version". Supported versions: ${catalog.supported.join(', ')}.`, { supported_versions: catalog.supported });
      }
      ids.add(lookup.version.id);
    }
    return [...ids];
  }

  function client(query: Query): string | undefined {
    const raw = single(query, 'client');
    if (raw === '') throw new QueryError('client', '"client" must not be empty; give a client id, or leave the parameter out for every client.');
    return raw;
  }

  // ---- usage ----

  admin.get('/usage', handle(async (request) => {
    const query = request.query as Query;
    only('/usage', query, ['by', 'from', 'to', 'version', 'client', 'limit']);
    const by = single(query, 'by') ?? 'version';
    if (!BY.includes(by as ReportBy)) throw new QueryError('by', `"by" must be one of ${BY.join(', ')}; got "${by}".`);
    const filter: UsageFilter = { ...range(query), versions: versions(query), client: client(query) };
    return reports.usageReport(by as ReportBy, withoutUndefined(filter), limit(query));
  }));

  admin.get('/usage/series', handle(async (request) => {
    const query = request.query as Query;
    only('/usage/series', query, ['from', 'to', 'step', 'version', 'client']);
    const filter: UsageFilter = { ...range(query), versions: versions(query), client: client(query) };
    const raw = single(query, 'step');
    let step: number | undefined;
    if (raw !== undefined) {
      step = parseStep(raw);
      if (step === undefined) throw new QueryError('step', `"step" must be a whole number of minutes, hours, days or weeks (1m, 15m, 1h, 1d, 1w); got "${raw}".`);
      const points = Math.ceil((filter.to! - Math.floor(filter.from! / step) * step) / step);
      if (points > MAX_SERIES_POINTS) {
        throw new QueryError('step', `"step" ${formatStep(step)} gives ${points} points over this range; at most ${MAX_SERIES_POINTS} are allowed. Use a larger step or a shorter range.`);
      }
    }
    return reports.usageSeries(withoutUndefined(filter), step);
  }));

  admin.get('/usage/deprecated', handle(async (request) => {
    const query = request.query as Query;
    only('/usage/deprecated', query, ['from', 'to', 'limit']);
    return reports.deprecatedReport(range(query), limit(query));
  }));

  admin.get<{ Params: { id: string } }>('/usage/clients/:id', handle(async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const query = request.query as Query;
    only('/usage/clients/{id}', query, ['from', 'to']);
    const id = request.params.id;
    const detail = await reports.clientDetail(id, range(query));
    if (!detail) return send(reply, 'VERSO_NOT_FOUND', `The usage store knows no client "${id}": no requests recorded, no pin.`, { client: id });
    return detail;
  }));

  // ---- pins ----

  admin.get('/pins', handle(async (request) => {
    only('/pins', request.query as Query, []);
    const list = await fromStore(() => pins.list());
    return pinsResponse(list);
  }));

  const invalidPin = (reply: FastifyReply, detail: string, extensions: Record<string, unknown> = {}) => send(reply, 'VERSO_INVALID_PIN', detail, extensions);
  const BODY_HINT = 'The body must be JSON such as {"version": "2024-09-01"}: a version id, alias or date.';

  admin.put<{ Params: { client: string } }>('/pins/:client', {
    // A body fastify cannot parse (not JSON, empty, wrong content type) is a bad pin like any other.
    errorHandler: (err: FastifyError, request, reply) => {
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return invalidPin(reply, `The body could not be read: ${err.message}. ${BODY_HINT}`);
      throw err;
    },
  }, handle(async (request: FastifyRequest<{ Params: { client: string } }>, reply) => {
    const client = request.params.client;
    const body = request.body as { version?: unknown } | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.version !== 'string' || Object.keys(body).some((k) => k !== 'version')) {
      return invalidPin(reply, BODY_HINT);
    }
    const lookup = catalog.lookup(body.version);
    const supported = { supported_versions: catalog.supported };
    if (!lookup.ok) {
      const why = lookup.reason === 'too-early' ? ` (it is before the first version, ${catalog.versions[0].id})` : '';
      return invalidPin(reply, `Cannot pin "${client}" to unknown version "${body.version}"${why}. Supported versions: ${catalog.supported.join(', ')}.`, supported);
    }
    const version = lookup.version;
    // A sunset version answers 410 to everything: pinning a client there cuts it off.
    if (version.sunset !== undefined && version.sunset <= now()) {
      const live = catalog.versions.filter((v) => !(v.sunset !== undefined && v.sunset <= now())).map((v) => v.id);
      return invalidPin(reply, `Cannot pin "${client}" to ${version.id}: it is sunset, so every request would get 410 Gone. Versions still served: ${live.join(', ')}.`, { supported_versions: live });
    }
    const pin = await fromStore(() => pins.set(client, version.id));
    return reply.code(200).send(pinJson(pin));
  }));

  admin.delete<{ Params: { client: string } }>('/pins/:client', handle(async (request: FastifyRequest<{ Params: { client: string } }>, reply) => {
    const client = request.params.client;
    const existed = await fromStore(() => pins.clear(client));
    if (!existed) return send(reply, 'VERSO_PIN_NOT_FOUND', `"${client}" has no pin.`, { client });
    return reply.code(204).send();
  }));
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
