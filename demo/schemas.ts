/**
 * Request schemas for the demo routes, mirroring specs/shop.openapi.yaml (test/demo/contract.test.ts
 * checks they agree). Written out rather than loaded from the spec so the demo starts without
 * reading files relative to its build location.
 */

const ORDER_STATUS = { type: 'string', enum: ['pending', 'paid', 'shipped', 'canceled'] } as const;

/** The `OrderCreate` component: the body of `POST /orders`. */
export const orderCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['customer_id', 'amount', 'currency'],
  properties: {
    customer_id: { type: 'string', pattern: '^cus_[A-Za-z0-9]+$' },
    amount: { type: 'integer', minimum: 1 },
    currency: { type: 'string', pattern: '^[a-z]{3}$' },
    status: { ...ORDER_STATUS, default: 'pending' },
  },
} as const;

/** `GET /orders` query. Unknown query parameters are ignored, as a proxy may add its own. */
export const listOrdersQuerySchema = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    starting_after: { type: 'string', pattern: '^ord_[A-Za-z0-9]+$' },
  },
} as const;

/**
 * `GET /orders/{id}` query. `expand` arrives as one string or repeated strings; the values may be
 * comma lists, so each is split and checked in the route (see `parseExpand`).
 */
export const getOrderQuerySchema = {
  type: 'object',
  properties: {
    expand: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' } },
} as const;

/** The values `expand` accepts on `GET /orders/{id}`. */
export const EXPANDABLE = ['customer'] as const;
export type Expandable = (typeof EXPANDABLE)[number];

/**
 * Splits `expand` (repeated and/or comma separated) into its values. Returns the first unknown
 * value as `unknown` instead of throwing, so the route decides the error.
 *
 * @example
 * parseExpand(['customer']);        // { values: ['customer'] }
 * parseExpand(['customer,items']);  // { unknown: 'items' }
 */
export function parseExpand(raw: readonly string[] | undefined): { values: Expandable[] } | { unknown: string } {
  const values: Expandable[] = [];
  for (const part of (raw ?? []).flatMap((item) => item.split(','))) {
    const value = part.trim();
    if (value === '') continue;
    if (!(EXPANDABLE as readonly string[]).includes(value)) return { unknown: value };
    if (!values.includes(value as Expandable)) values.push(value as Expandable);
  }
  return { values };
}
