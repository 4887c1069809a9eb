/**
 * The demo's default seed written out by hand: the oracle the demo suites compare real responses
 * with. If demo/seed.ts changes, these must be changed on purpose.
 */

export const CUSTOMERS = {
  cus_0001: { id: 'cus_0001', name: 'Ada Lovelace', email: 'ada@example.com', created_at: '2024-11-04T10:00:00Z' },
  cus_0002: { id: 'cus_0002', name: 'Grace Hopper', email: 'grace@example.com', created_at: '2024-11-18T15:30:00Z' },
  cus_0003: { id: 'cus_0003', name: 'Alan Turing', email: 'alan@example.com', created_at: '2024-12-02T08:45:00Z' },
} as const;

/** The 25 seeded orders, oldest first (`ord_0001` … `ord_0025`). */
export const SEED_ORDERS = [
  { id: 'ord_0001', customer_id: 'cus_0001', amount: 1999, currency: 'usd', status: 'paid', created_at: '2025-01-01T09:37:00Z' },
  { id: 'ord_0002', customer_id: 'cus_0002', amount: 4550, currency: 'eur', status: 'shipped', created_at: '2025-01-01T16:14:00Z' },
  { id: 'ord_0003', customer_id: 'cus_0003', amount: 1200, currency: 'usd', status: 'paid', created_at: '2025-01-01T23:51:00Z' },
  { id: 'ord_0004', customer_id: 'cus_0001', amount: 8999, currency: 'gbp', status: 'pending', created_at: '2025-01-02T06:28:00Z' },
  { id: 'ord_0005', customer_id: 'cus_0002', amount: 2500, currency: 'usd', status: 'canceled', created_at: '2025-01-02T13:05:00Z' },
  { id: 'ord_0006', customer_id: 'cus_0003', amount: 15000, currency: 'eur', status: 'paid', created_at: '2025-01-02T20:42:00Z' },
  { id: 'ord_0007', customer_id: 'cus_0001', amount: 799, currency: 'usd', status: 'shipped', created_at: '2025-01-03T03:19:00Z' },
  { id: 'ord_0008', customer_id: 'cus_0002', amount: 3250, currency: 'gbp', status: 'paid', created_at: '2025-01-03T10:56:00Z' },
  { id: 'ord_0009', customer_id: 'cus_0003', amount: 640, currency: 'usd', status: 'pending', created_at: '2025-01-03T17:33:00Z' },
  { id: 'ord_0010', customer_id: 'cus_0001', amount: 12999, currency: 'eur', status: 'canceled', created_at: '2025-01-04T00:10:00Z' },
  { id: 'ord_0011', customer_id: 'cus_0002', amount: 5000, currency: 'usd', status: 'paid', created_at: '2025-01-04T07:47:00Z' },
  { id: 'ord_0012', customer_id: 'cus_0003', amount: 1999, currency: 'gbp', status: 'shipped', created_at: '2025-01-04T14:24:00Z' },
  { id: 'ord_0013', customer_id: 'cus_0001', amount: 4550, currency: 'usd', status: 'paid', created_at: '2025-01-04T21:01:00Z' },
  { id: 'ord_0014', customer_id: 'cus_0002', amount: 1200, currency: 'eur', status: 'pending', created_at: '2025-01-05T04:38:00Z' },
  { id: 'ord_0015', customer_id: 'cus_0003', amount: 8999, currency: 'usd', status: 'canceled', created_at: '2025-01-05T11:15:00Z' },
  { id: 'ord_0016', customer_id: 'cus_0001', amount: 2500, currency: 'gbp', status: 'paid', created_at: '2025-01-05T18:52:00Z' },
  { id: 'ord_0017', customer_id: 'cus_0002', amount: 15000, currency: 'usd', status: 'shipped', created_at: '2025-01-06T01:29:00Z' },
  { id: 'ord_0018', customer_id: 'cus_0003', amount: 799, currency: 'eur', status: 'paid', created_at: '2025-01-06T08:06:00Z' },
  { id: 'ord_0019', customer_id: 'cus_0001', amount: 3250, currency: 'usd', status: 'pending', created_at: '2025-01-06T15:43:00Z' },
  { id: 'ord_0020', customer_id: 'cus_0002', amount: 640, currency: 'gbp', status: 'canceled', created_at: '2025-01-06T22:20:00Z' },
  { id: 'ord_0021', customer_id: 'cus_0003', amount: 12999, currency: 'usd', status: 'paid', created_at: '2025-01-07T05:57:00Z' },
  { id: 'ord_0022', customer_id: 'cus_0001', amount: 5000, currency: 'eur', status: 'shipped', created_at: '2025-01-07T12:34:00Z' },
  { id: 'ord_0023', customer_id: 'cus_0002', amount: 1999, currency: 'usd', status: 'paid', created_at: '2025-01-07T19:11:00Z' },
  { id: 'ord_0024', customer_id: 'cus_0003', amount: 4550, currency: 'gbp', status: 'pending', created_at: '2025-01-08T02:48:00Z' },
  { id: 'ord_0025', customer_id: 'cus_0001', amount: 1200, currency: 'usd', status: 'canceled', created_at: '2025-01-08T09:25:00Z' },
] as const;

/** Seeded orders `from` down to `to` inclusive (1-based numbers), newest first, as lists serve them. */
export function ordersNewestFirst(from: number, to: number): (typeof SEED_ORDERS)[number][] {
  return SEED_ORDERS.slice(to - 1, from).reverse();
}

export interface JsonResponse {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: unknown;
}

/** `fetch` that sends and reads JSON; `body` is the parsed response. */
export interface JsonRequest {
  method?: string;
  /** Sent as JSON unless it is already a string (for malformed-body cases). */
  body?: unknown;
  headers?: Record<string, string>;
}

export async function fetchJson(url: string, init: JsonRequest = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headers: response.headers,
    body: await response.json(),
  };
}

export function errorOf(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
