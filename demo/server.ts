/**
 * The demo shop service: the upstream behind Verso in the demo, benchmarks and end-to-end tests.
 * It implements specs/shop.openapi.yaml at its head version (2025-06-01) and nothing else: it
 * ignores `API-Version` and every other version signal, because serving older contracts is the
 * gateway's job.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import Fastify, {
  type FastifyInstance,
  type FastifySchemaCompiler,
  type FastifySchemaValidationError,
} from 'fastify';
import { Ajv } from 'ajv';
import { ERROR_CODES, errorBody, handleError, handleNotFound } from './errors.js';
import {
  getOrderQuerySchema,
  idParamsSchema,
  listOrdersQuerySchema,
  orderCreateSchema,
  parseExpand,
} from './schemas.js';
import { ShopStore, type NewOrder } from './store.js';

export interface DemoOptions {
  /** pino logging to stdout; off by default. */
  logger?: boolean;
  /** Delay added before every API response (not `/health`), to simulate a slow upstream. */
  latencyMs?: number;
  /** Clock for `created_at` of new orders; inject a fixed one in tests. */
  now?: () => Date;
  /** How many orders to seed (default 25); 100 fills a `GET /orders?limit=100` page. */
  orders?: number;
}

export interface StartDemoOptions extends DemoOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
}

export interface RunningDemo {
  /** Base URL, e.g. `http://127.0.0.1:41234`, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

/**
 * Builds the demo app with its own freshly seeded store. Not listening: use `app.inject` or
 * `startDemo`.
 *
 * @example
 * const app = createDemoApp({ now: () => new Date('2025-06-01T12:00:00Z') });
 * const res = await app.inject({ method: 'GET', url: '/orders/ord_0001' });
 */
export function createDemoApp(options: DemoOptions = {}): FastifyInstance {
  const store = new ShopStore({ orders: options.orders });
  const now = options.now ?? (() => new Date());
  const latencyMs = options.latencyMs ?? 0;

  const app = Fastify({ logger: options.logger ?? false, schemaErrorFormatter: formatSchemaErrors });
  app.setValidatorCompiler(validatorCompiler());
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  app.get('/health', async () => ({ status: 'ok' }));

  // The API routes live in their own plugin so the artificial latency never slows health checks.
  void app.register(async (api) => {
    if (latencyMs > 0) api.addHook('onRequest', async () => sleep(latencyMs));

    api.get<{ Querystring: { limit: number; starting_after?: string } }>(
      '/orders',
      { schema: { querystring: listOrdersQuerySchema } },
      async (request, reply) => {
        const { limit, starting_after: startingAfter } = request.query;
        const page = store.listOrders({ limit, startingAfter });
        if (page === undefined) {
          return reply
            .code(400)
            .send(errorBody(ERROR_CODES.invalidRequest, `starting_after: no order has id '${startingAfter}'.`));
        }
        return page;
      },
    );

    api.post<{ Body: NewOrder }>('/orders', { schema: { body: orderCreateSchema } }, async (request, reply) => {
      const input = request.body;
      if (store.getCustomer(input.customer_id) === undefined) {
        return reply
          .code(422)
          .send(errorBody(ERROR_CODES.customerNotFound, `No customer has id '${input.customer_id}'.`));
      }
      return reply.code(201).send(store.createOrder(input, now()));
    });

    api.get<{ Params: { id: string }; Querystring: { expand?: string[] } }>(
      '/orders/:id',
      { schema: { params: idParamsSchema, querystring: getOrderQuerySchema } },
      async (request, reply) => {
        const expand = parseExpand(request.query.expand);
        if ('unknown' in expand) {
          return reply
            .code(400)
            .send(
              errorBody(
                ERROR_CODES.invalidRequest,
                `expand: unknown value '${expand.unknown}'; the only expandable field is 'customer'.`,
              ),
            );
        }
        const order = store.getOrder(request.params.id);
        if (order === undefined) {
          return reply.code(404).send(errorBody(ERROR_CODES.orderNotFound, `No order has id '${request.params.id}'.`));
        }
        if (!expand.values.includes('customer')) return order;
        return { ...order, customer: store.getCustomer(order.customer_id) };
      },
    );

    api.get<{ Params: { id: string } }>(
      '/customers/:id',
      { schema: { params: idParamsSchema } },
      async (request, reply) => {
        const customer = store.getCustomer(request.params.id);
        if (customer === undefined) {
          return reply
            .code(404)
            .send(errorBody(ERROR_CODES.customerNotFound, `No customer has id '${request.params.id}'.`));
        }
        return customer;
      },
    );
  });

  return app;
}

/**
 * Starts the demo on `host:port` (default 127.0.0.1 and a free port).
 *
 * @example
 * const demo = await startDemo();
 * await fetch(`${demo.url}/orders?limit=2`);
 * await demo.close();
 */
export async function startDemo(options: StartDemoOptions = {}): Promise<RunningDemo> {
  const { host = '127.0.0.1', port = 0, ...appOptions } = options;
  const app = createDemoApp(appOptions);
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}`,
    close: () => app.close(),
  };
}

/**
 * Query strings and path parameters arrive as strings, so they are coerced (and a lone `expand`
 * becomes an array); JSON bodies are not, so a string amount such as `"10.50"` from an
 * untranslated older client is rejected instead of silently accepted. Unknown body fields fail
 * rather than being stripped (fastify's default), which surfaces translation gaps.
 */
function validatorCompiler(): FastifySchemaCompiler<object> {
  const strict = { allErrors: false, useDefaults: true, removeAdditional: false, strict: true } as const;
  const bodies = new Ajv({ ...strict, coerceTypes: false });
  const strings = new Ajv({ ...strict, coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodies : strings).compile(schema);
}

/**
 * Fastify's message (`body/amount must be integer`), plus the offending name for unknown fields,
 * which ajv leaves out of its message: `body must NOT have additional properties: 'customer'`.
 */
function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const text = errors
    .map((e) => {
      const extra = e.keyword === 'additionalProperties' ? `: '${String(e.params.additionalProperty)}'` : '';
      return `${dataVar}${e.instancePath} ${e.message ?? 'is invalid'}${extra}`;
    })
    .join(', ');
  return new Error(text);
}
