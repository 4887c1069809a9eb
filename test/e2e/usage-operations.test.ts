/**
 * Usage names every request by the operation its plan found (gateway/handle-request.ts): the
 * spec's operation, the route's wildcard for a path no operation matches, `(no route)` for a path
 * no route serves. The plan is made once, before the lifecycle check, so a refused request is
 * counted under the same operation as a served one.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../gateway/config/load.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { shopConfig, startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

describe('the operation usage counts a request under', () => {
  let origin: Origin;
  let gw: TestGateway;
  beforeAll(async () => {
    origin = await startOrigin((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    const translator = (await loadTranslator(loadConfigFile('gateway.yaml', { env: { DEMO_UPSTREAM_URL: origin.url } })))!;
    gw = await startTestGateway(shopConfig(origin.url), { translator, now: () => Date.parse('2026-06-15T12:00:00Z') });
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  it('is the spec operation, the route wildcard, or (no route), whether the request was served or refused', async () => {
    const send = async (path: string, version: string) => {
      const res = await fetch(`${gw.url}${path}`, { headers: { 'api-version': version, 'x-client-id': 'ops-test' } });
      await res.arrayBuffer();
      return res.status;
    };
    expect([
      await send('/orders/ord_1', '2025-06-01'),
      await send('/orders/ord_1', '2024-01-01'),
      await send('/orders/ord_1/notes', '2025-06-01'),
      await send('/orders/ord_1', '2023-06-01'),
      await send('/nowhere', '2025-06-01'),
    ]).toEqual([200, 200, 200, 410, 404]);
    await gw.gateway.recorder!.flush();
    const groups = await gw.gateway.store.summarize({}, ['version', 'operation', 'statusClass']);
    expect(groups.map(({ version, operation, statusClass, count }) => ({ version, operation, statusClass, count }))
      .sort((a, b) => (`${a.version} ${a.operation}` < `${b.version} ${b.operation}` ? -1 : 1))).toEqual([
      { version: '2023-06-01', operation: 'GET /orders/{id}', statusClass: '4xx', count: 1 },
      { version: '2024-01-01', operation: 'GET /orders/{id}', statusClass: '2xx', count: 1 },
      { version: '2025-06-01', operation: 'GET (no route)', statusClass: '4xx', count: 1 },
      { version: '2025-06-01', operation: 'GET /orders/*', statusClass: '2xx', count: 1 },
      { version: '2025-06-01', operation: 'GET /orders/{id}', statusClass: '2xx', count: 1 },
    ]);
  });
});
