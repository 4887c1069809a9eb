import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, startTestGateway, shopConfig, type Origin, type TestGateway } from '../helpers/servers.js';

/** The metric lines (no HELP/TYPE) of one family, in exposition order. */
function family(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('GET /metrics', () => {
  let origin: Origin;
  let gw: TestGateway;
  let text: string;
  let contentType: string | null;

  beforeAll(async () => {
    origin = await startOrigin();
    gw = await startTestGateway(shopConfig(origin.url, 'clients: [{ header: X-Client-Id }, { remoteAddress: true }]\n'), { now: () => Date.parse('2026-06-01T00:00:00Z') });
    const send = (headers: Record<string, string>, path = '/orders') => fetch(`${gw.url}${path}`, { headers }).then((r) => r.arrayBuffer());
    await send({ 'api-version': '2024-01-01', 'x-client-id': 'secret-client-name' });
    await send({ 'api-version': '2024-01-01' });
    await send({ 'api-version': '2025-06-01' });
    await send({ 'api-version': '2023-06-01' }); // past its sunset: 410
    await send({ 'api-version': 'nonsense!' }); // unresolved: 400
    await send({ 'api-version': '2025-06-01' }, '/nowhere'); // no route: 404
    await new Promise((r) => setTimeout(r, 20));
    const res = await fetch(`${gw.adminUrl}/metrics`);
    contentType = res.headers.get('content-type');
    text = await res.text();
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  it('answers in the Prometheus text format', () => {
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toContain('# TYPE verso_requests_total counter');
  });

  it('counts requests by version, deprecated flag and status class', () => {
    expect(family(text, 'verso_requests_total')).toEqual([
      'verso_requests_total{version="none",deprecated="false",status_class="4xx"} 1',
      'verso_requests_total{version="2023-06-01",deprecated="true",status_class="4xx"} 1',
      'verso_requests_total{version="2024-01-01",deprecated="true",status_class="2xx"} 2',
      'verso_requests_total{version="2025-06-01",deprecated="false",status_class="2xx"} 1',
      'verso_requests_total{version="2025-06-01",deprecated="false",status_class="4xx"} 1',
    ]);
  });

  it('observes upstream latency per upstream, once per proxied request, in cumulative buckets', () => {
    expect(family(text, 'verso_upstream_duration_seconds_count')).toEqual(['verso_upstream_duration_seconds_count{upstream="shop"} 3']);
    const buckets = family(text, 'verso_upstream_duration_seconds_bucket');
    expect(buckets).toHaveLength(16);
    expect(buckets[0]).toMatch(/^verso_upstream_duration_seconds_bucket\{le="0.0005",upstream="shop"\} [0-3]$/);
    expect(buckets[15]).toBe('verso_upstream_duration_seconds_bucket{le="+Inf",upstream="shop"} 3');
    const counts = buckets.map((line) => Number(line.split(' ')[1]));
    expect(counts).toEqual([...counts].sort((a, b) => a - b)); // cumulative
    expect(text).toContain('# TYPE verso_upstream_duration_seconds histogram');
  });

  it('adds requests counted since the last scrape to the totals', async () => {
    await fetch(`${gw.url}/orders`, { headers: { 'api-version': '2024-01-01' } }).then((r) => r.arrayBuffer());
    await new Promise((r) => setTimeout(r, 20));
    const again = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    expect(family(again, 'verso_requests_total')).toContain('verso_requests_total{version="2024-01-01",deprecated="true",status_class="2xx"} 3');
  });

  it('exposes the usage flush failure and dropped counters, and the buffered rows gauge', () => {
    expect(family(text, 'verso_usage_flush_failures_total')).toEqual(['verso_usage_flush_failures_total 0']);
    expect(family(text, 'verso_usage_dropped_total')).toEqual(['verso_usage_dropped_total 0']);
    expect(family(text, 'verso_usage_buffered_rows')).toHaveLength(1);
  });

  it('has no per-client label', () => {
    expect(text).not.toContain('secret-client-name');
    expect(text).not.toMatch(/client=/);
  });
});
