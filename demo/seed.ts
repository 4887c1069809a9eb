/**
 * The demo shop's starting data. Fixed ids, amounts, statuses and timestamps, derived from the
 * order's position only (no clock, no randomness), so tests can assert exact bodies and two app
 * instances seeded with the same options hold the same data.
 */

export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'canceled';

/** A customer exactly as the head contract serves it. */
export interface Customer {
  id: string;
  name: string;
  email: string;
  created_at: string;
}

/** An order exactly as the head contract serves it (without the expandable `customer`). */
export interface Order {
  id: string;
  customer_id: string;
  amount: number;
  currency: string;
  status: OrderStatus;
  created_at: string;
}

export interface Seed {
  customers: Customer[];
  orders: Order[];
}

export const DEFAULT_SEED_ORDERS = 25;

const CUSTOMERS: readonly Customer[] = [
  { id: 'cus_0001', name: 'Ada Lovelace', email: 'ada@example.com', created_at: '2024-11-04T10:00:00Z' },
  { id: 'cus_0002', name: 'Grace Hopper', email: 'grace@example.com', created_at: '2024-11-18T15:30:00Z' },
  { id: 'cus_0003', name: 'Alan Turing', email: 'alan@example.com', created_at: '2024-12-02T08:45:00Z' },
];

// Cycle lengths 11, 4 and 5 are pairwise coprime with the 3 customers, so the first orders mix
// every customer with every currency and status; all four statuses appear in the default 25.
const AMOUNTS = [1999, 4550, 1200, 8999, 2500, 15000, 799, 3250, 640, 12999, 5000];
const CURRENCIES = ['usd', 'eur', 'usd', 'gbp'];
const STATUSES: readonly OrderStatus[] = ['paid', 'shipped', 'paid', 'pending', 'canceled'];

const FIRST_ORDER_AT = Date.UTC(2025, 0, 1, 9, 0, 0);
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** `ord_0001`, `ord_0042`, `ord_12345`: the id of the n-th order (1-based). */
export function orderId(n: number): string {
  return `ord_${String(n).padStart(4, '0')}`;
}

/**
 * An RFC 3339 timestamp at whole-second precision (`2025-01-01T09:37:00Z`). Whole seconds keep the
 * value stable through conversions to unix seconds that older API versions use.
 */
export function isoSeconds(date: Date): string {
  const ms = Math.floor(date.getTime() / 1000) * 1000;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function seedOrder(n: number): Order {
  const i = n - 1;
  // Seven hours apart plus a jitter under an hour: strictly increasing, not suspiciously round.
  const createdAt = FIRST_ORDER_AT + i * 7 * HOUR_MS + ((n * 37) % 60) * MINUTE_MS;
  return {
    id: orderId(n),
    customer_id: CUSTOMERS[i % CUSTOMERS.length].id,
    amount: AMOUNTS[i % AMOUNTS.length],
    currency: CURRENCIES[i % CURRENCIES.length],
    status: STATUSES[i % STATUSES.length],
    created_at: isoSeconds(new Date(createdAt)),
  };
}

/**
 * Builds the seed: 3 customers and `orders` orders (`ord_0001` … oldest first).
 *
 * @example
 * seedData({ orders: 100 }).orders.length; // 100, for a full `GET /orders?limit=100` page
 */
export function seedData(options: { orders?: number } = {}): Seed {
  const count = options.orders ?? DEFAULT_SEED_ORDERS;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`demo seed: orders must be a non-negative integer, got ${String(count)}`);
  }
  const orders: Order[] = [];
  for (let n = 1; n <= count; n += 1) orders.push(seedOrder(n));
  return { customers: CUSTOMERS.map((c) => ({ ...c })), orders };
}
