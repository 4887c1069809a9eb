/**
 * The demo shop's error bodies: the spec's `Error` schema, `{ "error": { "code", "message" } }`.
 * Every error the demo can send has its code here.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export const ERROR_CODES = {
  /** 400: a query parameter, path parameter or body does not match the spec. */
  invalidRequest: 'invalid_request',
  /** 404 on `GET /orders/{id}`. */
  orderNotFound: 'order_not_found',
  /** 404 on `GET /customers/{id}`; 422 on `POST /orders` naming an unknown customer. */
  customerNotFound: 'customer_not_found',
  /** 404 for a path the demo does not serve (not part of the spec). */
  routeNotFound: 'route_not_found',
  /** 500: a bug in the demo. */
  internal: 'internal_error',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * Maps errors fastify raises (schema validation, malformed JSON, wrong content type, body too
 * large) to the spec's 400 `Error`: the spec documents no other client error status for them.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    void reply.code(400).send(errorBody(ERROR_CODES.invalidRequest, error.message));
    return;
  }
  request.log.error({ err: error }, 'demo route failed');
  void reply.code(500).send(errorBody(ERROR_CODES.internal, 'Internal server error.'));
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .code(404)
    .send(errorBody(ERROR_CODES.routeNotFound, `No route ${request.method} ${request.url.split('?')[0]}.`));
}
