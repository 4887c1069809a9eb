/**
 * The origin's canned JSON bodies, in the demo's head version (2025-06-01, specs/shop.openapi.yaml):
 * one Order for GET /orders/{id} and one OrderList page `{ data, has_more }` of ~20 KB for
 * GET /orders. Each order has exactly the head Order's fields (id, customer_id, amount as an
 * integer in minor units, currency, status, created_at; the schema allows nothing else, and
 * `customer` only with expand=customer, which the benchmark does not ask for), so the translated
 * cells put real head-shaped bodies through the demo's changes. Deterministic: every run relays the
 * same bytes.
 */

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const STATUSES = ['paid', 'shipped', 'pending', 'canceled', 'paid', 'shipped'];
const CURRENCIES = ['eur', 'usd', 'gbp'];
const NEWEST = Date.parse('2025-06-01T12:00:00Z');

/** A 24-character identifier suffix, as payment APIs mint them (`ord_1NqVbR2eZvKYlo2C8aQ3xYzT`). */
function suffix(seed) {
  let x = (seed * 2654435761) >>> 0 || 1;
  let out = '';
  for (let i = 0; i < 24; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out += ALPHANUMERIC[x % ALPHANUMERIC.length];
  }
  return out;
}

/** Order number `i` (1-based) of the head version: a valid head `Order`, nothing more. */
export function order(i, status = STATUSES[i % STATUSES.length]) {
  return {
    id: `ord_${suffix(i)}`,
    customer_id: `cus_${suffix(1_000_003 * (1 + (i % 37)))}`,
    amount: 1999 + ((i * 7919) % 98_000),
    currency: CURRENCIES[i % CURRENCIES.length],
    status,
    created_at: new Date(NEWEST - i * 3_607_000).toISOString().replace('.000Z', 'Z'),
  };
}

/** A head `OrderList` page of at least `targetBytes` serialized. */
export function orderList(targetBytes) {
  const data = [];
  while (JSON.stringify({ data, has_more: true }).length < targetBytes) data.push(order(data.length + 1));
  return { data, has_more: true };
}

/** The single order is a canceled one, so all three changes on its path rewrite something. */
export const ORDER = order(1, 'canceled');
export const LIST = orderList(20_000);

export const BODIES = {
  order: Buffer.from(JSON.stringify(ORDER)),
  list: Buffer.from(JSON.stringify(LIST)),
  notFound: Buffer.from(JSON.stringify({ error: { code: 'not_found', message: 'No such resource.' } })),
};
