/**
 * The store being down never fails a request: a gateway on a real PostgreSQL that goes away
 * keeps answering, buffers its counts, says so in its metrics, and writes every count once the
 * database is back. A gateway that starts while the database is down creates the schema later.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, shopConfig, type Origin, type TestGateway } from '../helpers/servers.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { until } from '../helpers/net.js';

const metric = async (gw: TestGateway, name: string) => {
  const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  return Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
};

describe('a usage store that goes away', () => {
  let pg: TestPostgres;
  let origin: Origin;

  beforeAll(async () => {
    pg = await startPostgres();
    origin = await startOrigin();
  }, 60_000);
  afterAll(async () => {
    await origin?.close();
    await pg?.cleanup();
  });

  const config = (url: string) => shopConfig(origin.url, `clients: [{ header: X-Client-Id }, { remoteAddress: true }]
store: { postgres: "${url}" }
usage: { flushInterval: 100ms }
`);
  const send = async (gw: TestGateway, n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${gw.url}/orders`, { headers: { 'x-client-id': `c${i % 2}`, 'api-version': '2024-09-01' } });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
    }
  };
  const total = async (gw: TestGateway) => {
    const res = await fetch(`${gw.adminUrl}/usage`);
    return res.status === 200 ? ((await res.json()) as { total_requests: number }).total_requests : -res.status;
  };

  it('keeps serving while PostgreSQL is down and writes every buffered count when it returns', async () => {
    const gw = await startTestGateway(config(await pg.createDatabase('outage')));
    try {
      await send(gw, 10);
      await until(async () => (await total(gw)) === 10, 5000);

      await pg.stop();
      await send(gw, 30);
      expect(await total(gw)).toBe(-503); // reports say the store is unavailable; requests do not
      await until(async () => (await metric(gw, 'verso_usage_flush_failures_total')) > 0, 5000);

      await pg.start();
      await until(async () => (await total(gw)) === 40, 10_000);
      expect(await metric(gw, 'verso_usage_dropped_total')).toBe(0);
    } finally {
      await gw.close();
    }
  }, 60_000);

  it('starts while PostgreSQL is down, and creates the schema and writes the counts once it answers', async () => {
    const url = await pg.createDatabase('late');
    await pg.stop();
    const gw = await startTestGateway(config(url));
    try {
      await send(gw, 6);
      await pg.start();
      await until(async () => (await total(gw)) === 6, 10_000);
    } finally {
      await gw.close();
    }
  }, 60_000);
});
