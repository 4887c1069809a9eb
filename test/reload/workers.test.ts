/**
 * `verso start --workers 2` as a real process (issue 13): two workers share the public listener,
 * the primary answers the admin listener for both. Traffic from many clients over fresh
 * connections reaches both workers; the usage store and `/metrics` then hold exact totals; a pin
 * set through the admin API reaches both; a reload reaches both; SIGTERM drains both.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVerso, verso } from '../helpers/cli.js';
import { within } from '../helpers/net.js';
import { startOrigin, type Origin } from '../helpers/servers.js';

function yaml(origin: string, store: string, deprecated: string): string {
  return `listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
store: { sqlite: "${store}" }
usage: { flushInterval: 100ms }
pins: { refresh: 100ms }
resolve: { order: [header, pin, default] }
clients:
  - header: X-Client-Id
versions:
  - id: "2024-01-01"
    deprecated: "${deprecated}"
  - id: "2025-06-01"
upstreams:
  shop: { url: "${origin}", speaks: "2025-06-01" }
routes:
  - { prefix: /orders, upstream: shop }
`;
}

describe('`verso start --workers 2`', () => {
  let origin: Origin;
  let dir: string;

  beforeAll(async () => {
    origin = await startOrigin();
    dir = mkdtempSync(join(tmpdir(), 'verso-workers-'));
  });
  afterAll(async () => {
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from both workers, counts every request exactly once, shares pins and reloads, and drains both on SIGTERM', async () => {
    const file = join(dir, 'gateway.yaml');
    const store = join(dir, 'usage.db');
    writeFileSync(file, yaml(origin.url, store, '2025-01-01'));
    const cli = await startVerso(file, ['--workers', '2']);
    // Every request on a new connection, so the cluster hands connections to both workers.
    const fresh = new Agent({ pipelining: 0, keepAliveTimeout: 1, connections: 50 });
    const call = async (client: string) => {
      const res = await request(`${cli.url}/orders/1`, { dispatcher: fresh, headers: { 'x-client-id': client, connection: 'close' } });
      await res.body.dump();
      return { status: res.statusCode, version: res.headers['api-version'], deprecation: res.headers.deprecation };
    };
    try {
      expect(cli.output()).toMatch(/^Verso gateway {2}http:\/\/127\.0\.0\.1:\d+ {2}\(versions 2024-01-01, 2025-06-01; head 2025-06-01; 2 workers\)$/m);
      const ready = await fetch(`${cli.adminUrl}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', workers: { running: 2, wanted: 2 } });

      // 200 requests from 20 clients, 10 at a time.
      const statuses: number[] = [];
      for (let batch = 0; batch < 20; batch++) {
        statuses.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => call(`client-${i + 10 * (batch % 2)}`)))).map((r) => r.status));
      }
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      const metrics = async () => (await (await fetch(`${cli.adminUrl}/metrics`)).text());
      expect(await metrics()).toContain('verso_requests_total{version="2025-06-01",deprecated="false",status_class="2xx"} 200');
      await within(5000, (async () => {
        while ((cli.output().match(/"msg":"request"/g) ?? []).length < 200) await new Promise((r) => setTimeout(r, 50));
      })(), 'not every access line was written');
      const byWorker = [1, 2].map((w) => (cli.output().match(new RegExp(`"worker":${w},[^\\n]*"msg":"request"`, 'g')) ?? []).length);
      expect(byWorker[0] + byWorker[1]).toBe(200);
      expect(byWorker[0]).toBeGreaterThan(0);
      expect(byWorker[1]).toBeGreaterThan(0);

      // A pin set on the primary reaches both workers within pins.refresh.
      const put = await fetch(`${cli.adminUrl}/pins/pinned-client`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: '2024-01-01' }) });
      expect(put.status).toBe(200);
      await new Promise((r) => setTimeout(r, 400));
      const pinned = await Promise.all(Array.from({ length: 10 }, () => call('pinned-client')));
      expect(pinned.map((r) => r.version)).toEqual(Array(10).fill('2024-01-01'));

      // A reload through the primary reaches both workers.
      writeFileSync(file, yaml(origin.url, store, '2025-02-02'));
      const reload = await fetch(`${cli.adminUrl}/admin/reload`, { method: 'POST' });
      expect(reload.status).toBe(200);
      const after = await Promise.all(Array.from({ length: 10 }, () => call('pinned-client')));
      expect(after.map((r) => r.deprecation)).toEqual(Array(10).fill(`@${Date.parse('2025-02-02T00:00:00Z') / 1000}`));
    } finally {
      await fresh.close();
      cli.child.kill('SIGTERM');
    }
    expect(await within(15_000, cli.exit, 'verso start --workers 2 did not exit on SIGTERM')).toBe(0);

    // Every worker flushed its counts before exiting: exact totals in the store.
    const report = await verso(['report', '--config', file, '--by', 'client', '--format', 'json', '--limit', '100']);
    expect(report.code).toBe(0);
    const json = JSON.parse(report.stdout) as { total_requests: number; groups: { key: string; requests: number }[] };
    expect(json.total_requests).toBe(220);
    expect(Object.fromEntries(json.groups.map((g) => [g.key, g.requests]))).toEqual({
      ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`client-${i}`, 10])),
      'pinned-client': 20,
    });
  }, 60_000);

  it('starts another worker when one dies, logs it, and keeps serving', async () => {
    const file = join(dir, 'crash.yaml');
    writeFileSync(file, yaml(origin.url, join(dir, 'crash.db'), '2025-01-01'));
    const cli = await startVerso(file, ['--workers', '2']);
    const call = async () => (await fetch(`${cli.url}/orders/1`, { headers: { connection: 'close' } })).status;
    try {
      await Promise.all(Array.from({ length: 10 }, call));
      await within(5000, (async () => { while (!/"worker":\d+,"pid":\d+,"reqId"/.test(cli.output())) await new Promise((r) => setTimeout(r, 50)); })(), 'no worker logged a request');
      const pid = Number(/"worker":\d+,"pid":(\d+),"reqId"/.exec(cli.output())![1]);
      process.kill(pid, 'SIGKILL');
      await within(10_000, (async () => { while (!cli.output().includes('worker exited; starting another')) await new Promise((r) => setTimeout(r, 50)); })(), 'the dead worker was not noticed');
      expect(cli.output()).toMatch(new RegExp(`"pid":${pid},"code":null,"signal":"SIGKILL","restart_in_ms":1000,"msg":"worker exited; starting another"`));
      // Served throughout by the survivor, and by both again once the new worker is up.
      expect(await Promise.all(Array.from({ length: 10 }, call))).toEqual(Array(10).fill(200));
      // The primary logs each worker it starts: two at start-up, then the replacement, which takes requests.
      const started = () => [...cli.output().matchAll(/"worker":(\d+),"pid":(\d+),"msg":"worker started"/g)].map((m) => Number(m[2]));
      await within(10_000, (async () => { while (started().length < 3) await new Promise((r) => setTimeout(r, 50)); })(), 'no worker was started in its place');
      const replacement = started()[2];
      expect(started().slice(0, 2)).toContain(pid);
      await within(10_000, (async () => {
        while (!cli.output().includes(`"pid":${replacement},"reqId"`)) await Promise.all(Array.from({ length: 4 }, call));
      })(), 'the new worker took no request');
      expect(cli.child.exitCode).toBeNull();
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect(await within(15_000, cli.exit, 'verso start did not exit on SIGTERM')).toBe(0);
  }, 60_000);
});
