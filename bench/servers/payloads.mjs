/** The origin's canned JSON bodies: a ~300 B order and a ~20 KB list of orders. */

export function order(i) {
  return {
    id: `ord_${String(i).padStart(6, '0')}`,
    object: 'order',
    customer_id: 'cus_8f3a2cQ1',
    amount: 4999 + i,
    currency: 'eur',
    status: 'paid',
    created_at: '2025-06-01T12:00:00Z',
    shipping: { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postal_code: 'SW1Y 4JH', country: 'GB' },
    metadata: { channel: 'web', campaign: 'spring-sale' },
  };
}

function listOf(targetBytes) {
  const data = [];
  while (JSON.stringify({ object: 'list', data, has_more: true }).length < targetBytes) data.push(order(data.length + 1));
  return { object: 'list', data, has_more: true };
}

export const BODIES = {
  order: Buffer.from(JSON.stringify(order(1))),
  list: Buffer.from(JSON.stringify(listOf(20_000))),
  notFound: Buffer.from(JSON.stringify({ error: 'not found' })),
};
