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
 * Parameters and bodies are checked by each route's JSON Schema (`additionalProperties: false`,
 * so a typo such as `form=7d` never silently reports the default range; single-valued parameters
 * are strings, so a repeated one is refused); what a schema cannot say (from before to, a known
 * version, few enough points) is checked in the handler. Either way a bad parameter is a 400
 * `VERSO_INVALID_QUERY` naming it and what would be valid, and a bad pin body a 400
 * `VERSO_INVALID_PIN`. A store that rejects is a 503 `VERSO_STORE_UNAVAILABLE`, its cause logged.
 */

import { Ajv, type ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifySchema } from 'fastify';
import type { GatewayConfig } from '../config/types.js';
import { problemSender } from '../respond.js';
import { VersionCatalog } from '../resolve/catalog.js';
import type { Impact } from '../usage/impact.js';
import { adminPin, SunsetPin, type PinBook } from '../usage/pins.js';
import {
  MAX_SERIES_POINTS, createReports, formatStep, iso, parseInstant, parseStep, pinJson, pinsResponse, resolveRange, type ReportBy,
} from '../usage/report.js';
import type { Pin, UsageFilter, UsageStore } from '../usage/store/types.js';

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

/** A query as its route's schema lets it through: single-valued parameters are strings. */
interface Query { by?: ReportBy; from?: string; to?: string; step?: string; version?: string | string[]; client?: string; limit?: string }

// ---- schemas ---------------------------------------------------------------------------------

const INSTANT_HINT = 'an RFC 3339 date or date-time (2025-06-01, 2025-06-01T12:00:00Z) or a time before now (30m, 24h, 7d, 2w)';

/** Each query parameter's schema and what its 400 says; a route's querystring schema picks some. */
const PARAMETERS = {
  by: { schema: { type: 'string', enum: BY, default: 'version' }, invalid: (raw: string) => `"by" must be one of ${BY.join(', ')}; got "${raw}".` },
  from: { schema: { type: 'string', format: 'instant' }, invalid: (raw: string) => `"from" must be ${INSTANT_HINT}; got "${raw}".` },
  to: { schema: { type: 'string', format: 'instant' }, invalid: (raw: string) => `"to" must be ${INSTANT_HINT}; got "${raw}".` },
  step: { schema: { type: 'string', format: 'step' }, invalid: (raw: string) => `"step" must be a whole number of minutes, hours, days or weeks (1m, 15m, 1h, 1d, 1w); got "${raw}".` },
  // Repeated, or a comma list: `version=v1&version=2024-01-01`, `version=v1,2024-01-01`.
  version: { schema: { type: ['string', 'array'], items: { type: 'string' } }, invalid: (raw: string) => `"version" must be version ids, aliases or dates; got "${raw}".` },
  client: { schema: { type: 'string', minLength: 1 }, invalid: () => '"client" must not be empty; give a client id, or leave the parameter out for every client.' },
  // 1 to MAX_LIMIT (10000), at most six digits (leading zeros allowed).
  limit: { schema: { type: 'string', pattern: '^(?=\\d{1,6}$)0*(?:[1-9]\\d{0,3}|10000)$', default: String(DEFAULT_LIMIT) }, invalid: (raw: string) => `"limit" must be a whole number from 1 to ${MAX_LIMIT}; got "${raw}".` },
} as const satisfies Record<keyof Query, { schema: object; invalid(raw: string): string }>;

/** A querystring schema accepting these parameters and no other. */
function query(...names: (keyof Query)[]): object {
  return { type: 'object', properties: Object.fromEntries(names.map((n) => [n, PARAMETERS[n].schema])), additionalProperties: false };
}

const PIN_BODY = {
  type: 'object',
  properties: { version: { type: 'string' } },
  required: ['version'],
  additionalProperties: false,
};

const param = (name: string) => ({ type: 'object', properties: { [name]: { type: 'string' } }, required: [name] });

/** Each route's schemas, built once: the validator below compiles each once per process. */
const SCHEMAS = {
  usage: { querystring: query('by', 'from', 'to', 'version', 'client', 'limit') },
  series: { querystring: query('from', 'to', 'step', 'version', 'client') },
  deprecated: { querystring: query('from', 'to', 'limit') },
  client: { querystring: query('from', 'to'), params: param('id') },
  pins: { querystring: query() },
  pin: { params: param('client'), body: PIN_BODY },
  unpin: { params: param('client') },
} satisfies Record<string, FastifySchema>;

/**
 * The validator for these routes' schemas: no type coercion and no removal of unknown
 * parameters (fastify's defaults would quietly drop a typo), defaults filled in, and `verbose`
 * so an error carries the value that failed, for the message.
 */
const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: true, allowUnionTypes: true, verbose: true });
ajv.addFormat('instant', { type: 'string', validate: (raw: string) => parseInstant(raw, Date.now()) !== undefined });
ajv.addFormat('step', { type: 'string', validate: (raw: string) => parseStep(raw) !== undefined });

/** The 400 detail for the first schema error of a query, and the parameter it names. */
function queryError(error: ErrorObject, route: string): QueryError {
  if (error.keyword === 'additionalProperties') {
    const name = String(error.params.additionalProperty);
    const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
    return new QueryError(name, `Unknown query parameter "${name}"; ${route} ${allowed.length ? `accepts ${allowed.join(', ')}` : 'takes none'}.`);
  }
  const name = error.instancePath.slice(1).split('/')[0] as keyof Query;
  if (Array.isArray(error.data) && error.keyword === 'type') return new QueryError(name, `"${name}" is given ${error.data.length} times; give it once.`);
  return new QueryError(name, PARAMETERS[name]?.invalid(String(error.data)) ?? `"${name}" is not valid: ${error.message}.`);
}

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
    if (err instanceof SunsetPin) throw err;
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
    pinPage: wrap(store.pinPage),
    changedPins: wrap(store.changedPins),
    clearedPins: wrap(store.clearedPins),
    setPin: wrap(store.setPin),
    clearPin: wrap(store.clearPin),
    close: wrap(store.close),
  };
}

/**
 * Registers the routes in their own encapsulated context, so their validator and error handler
 * apply to them only.
 */
export function registerUsageRoutes(admin: FastifyInstance, deps: UsageRouteDeps): void {
  admin.register(async (scope) => usageRoutes(scope, deps));
}

function usageRoutes(admin: FastifyInstance, deps: UsageRouteDeps): void {
  const { config, now } = deps;
  const store = guarded(deps.store);
  const catalog = new VersionCatalog(config.versions);
  const pins: Pick<PinBook, 'set' | 'clear' | 'list'> = deps.pins ?? {
    set: async (client, version) => store.setPin(adminPin(client, version, config.versions, now()), false),
    clear: (client) => store.clearPin(client),
    list: () => store.listPins(),
  };
  const book = deps.pins;
  const reports = createReports({ config, store, impact: deps.impact, now, ...(book ? { pinOf: (client: string) => book.get(client) } : {}) });

  // Same shape and headers as every other problem the gateway sends (respond.ts).
  const send = problemSender(config.problems.baseUrl);

  admin.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  // Parameter mistakes become 400s and store trouble 503s. Anything else is a bug and stays one.
  admin.setErrorHandler((fastifyError: FastifyError, request, reply) => {
    const err: Error = fastifyError.validation && fastifyError.validationContext === 'querystring'
      ? queryError(fastifyError.validation[0] as ErrorObject, request.routeOptions.url!.replace(/:(\w+)/g, '{$1}'))
      : fastifyError;
    if (err instanceof QueryError) return send(reply, 'VERSO_INVALID_QUERY', err.message, { parameter: err.parameter, ...err.extensions });
    if (err instanceof StoreUnavailable) {
      request.log.warn({ err: err.cause, store: deps.store.kind }, 'usage store unavailable');
      return send(reply, 'VERSO_STORE_UNAVAILABLE', `The usage store (${deps.store.kind}) did not answer; try again shortly. The cause is in the gateway's log.`);
    }
    throw err;
  });

  // ---- parameters the schemas let through, checked against each other, the clock and the config ----

  function range(query: Query): UsageFilter {
    const at = now();
    // The schema's `instant` format has read both against the wall clock; `now` may be another
    // (tests, VERSO_NOW), and a time before now may reach past what a Date holds.
    const instant = (name: 'from' | 'to') => {
      const raw = query[name];
      if (raw === undefined) return undefined;
      const ms = parseInstant(raw, at);
      if (ms === undefined) throw new QueryError(name, PARAMETERS[name].invalid(raw));
      return ms;
    };
    const filter: UsageFilter = { from: instant('from'), to: instant('to') };
    const { from, to } = resolveRange(filter, at);
    if (from >= to) throw new QueryError('from', `"from" (${iso(from)}) must be before "to" (${iso(to)}).`);
    return { from, to };
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

  // ---- usage ----

  admin.get<{ Querystring: Query }>('/usage', { schema: SCHEMAS.usage }, async (request) => {
    const query = request.query;
    const filter: UsageFilter = { ...range(query), versions: versions(query), client: query.client };
    return reports.usageReport(query.by!, withoutUndefined(filter), Number(query.limit));
  });

  admin.get<{ Querystring: Query }>('/usage/series', { schema: SCHEMAS.series }, async (request) => {
    const query = request.query;
    const filter: UsageFilter = { ...range(query), versions: versions(query), client: query.client };
    let step: number | undefined;
    if (query.step !== undefined) {
      step = parseStep(query.step)!;
      const points = Math.ceil((filter.to! - Math.floor(filter.from! / step) * step) / step);
      if (points > MAX_SERIES_POINTS) {
        throw new QueryError('step', `"step" ${formatStep(step)} gives ${points} points over this range; at most ${MAX_SERIES_POINTS} are allowed. Use a larger step or a shorter range.`);
      }
    }
    return reports.usageSeries(withoutUndefined(filter), step);
  });

  admin.get<{ Querystring: Query }>('/usage/deprecated', { schema: SCHEMAS.deprecated }, async (request) => {
    return reports.deprecatedReport(range(request.query), Number(request.query.limit));
  });

  admin.get<{ Querystring: Query; Params: { id: string } }>('/usage/clients/:id', { schema: SCHEMAS.client }, async (request, reply) => {
    const id = request.params.id;
    const detail = await reports.clientDetail(id, range(request.query));
    if (!detail) return send(reply, 'VERSO_UNKNOWN_CLIENT', `The usage store knows no client "${id}": no requests recorded, no pin.`, { client: id });
    return detail;
  });

  // ---- pins ----

  admin.get('/pins', { schema: SCHEMAS.pins }, async () => {
    const list = await fromStore(() => pins.list());
    return pinsResponse(list);
  });

  const invalidPin = (reply: FastifyReply, detail: string, extensions: Record<string, unknown> = {}) => send(reply, 'VERSO_INVALID_PIN', detail, extensions);
  const BODY_HINT = 'The body must be JSON such as {"version": "2024-09-01"}: a version id, alias or date.';

  admin.put<{ Params: { client: string }; Body: { version: string } }>('/pins/:client', {
    schema: SCHEMAS.pin,
    // A body that is not {"version": "…"} is a bad pin, and so is one fastify cannot parse (not
    // JSON, wrong content type). The store's trouble goes on to the handler above.
    errorHandler: (err: FastifyError, request, reply) => {
      if (err.validationContext === 'body') return invalidPin(reply, BODY_HINT);
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return invalidPin(reply, `The body could not be read: ${err.message}. ${BODY_HINT}`);
      throw err;
    },
  }, async (request, reply) => {
    const client = request.params.client;
    const body = request.body;
    const lookup = catalog.lookup(body.version);
    const supported = { supported_versions: catalog.supported };
    if (!lookup.ok) {
      const why = lookup.reason === 'too-early' ? ` (it is before the first version, ${catalog.versions[0].id})` : '';
      return invalidPin(reply, `Cannot pin "${client}" to unknown version "${body.version}"${why}. Supported versions: ${catalog.supported.join(', ')}.`, supported);
    }
    const version = lookup.version;
    let pin: Pin;
    try {
      pin = await fromStore(() => pins.set(client, version.id));
    } catch (err) {
      // A sunset version answers 410 to everything: pinning a client there cuts it off (pins.ts).
      if (!(err instanceof SunsetPin)) throw err;
      return invalidPin(reply, `Cannot pin "${client}" to ${version.id}: it is sunset, so every request would get 410 Gone. Versions still served: ${err.served.join(', ')}.`, { supported_versions: err.served });
    }
    return reply.code(200).send(pinJson(pin));
  });

  admin.delete<{ Params: { client: string } }>('/pins/:client', { schema: SCHEMAS.unpin }, async (request, reply) => {
    const client = request.params.client;
    const existed = await fromStore(() => pins.clear(client));
    if (!existed) return send(reply, 'VERSO_PIN_NOT_FOUND', `"${client}" has no pin.`, { client });
    return reply.code(204).send();
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
