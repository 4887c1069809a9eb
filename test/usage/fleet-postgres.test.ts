/**
 * A fleet: two gateway processes (`verso start`) sharing one real PostgreSQL. Each counts its own
 * traffic in memory; the flush interval is an hour, so counts reach the database only through the
 * final flush of a graceful shutdown (SIGTERM). The merged report, read by `verso report` from the
 * same database, must hold exact totals.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verso } from '../helpers/cli.js';
import { startOrigin, type Origin } from '../helpers/servers.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const CLI = ['--import', 'tsx', 'gateway/cli/main.ts'];
const DAY = 86_400_000;

function config(storeUrl: string, originUrl: string): string {
  const now = Date.now();
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return `listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
versions:
  - id: "2024-01-01"
    deprecated: "${date(now - 30 * DAY)}"
    sunset: "${date(now + 90 * DAY)}"
  - id: "2024-09-01"
  - id: "2025-06-01"
clients: [{ header: X-Client-Id }, { remoteAddress: true }]
upstreams: { shop: { url: "${originUrl}" } }
routes: [{ prefix: /orders, upstream: shop }]
store: { postgres: "${storeUrl}" }
usage: { flushInterval: 1h }
log: { level: warn }
`;
}

interface Running { child: ChildProcess; url: string; exited: Promise<number | null> }

function startGatewayProcess(file: string): Promise<Running> {
  const child = spawn(process.execPath, [...CLI, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /Verso gateway\s+(\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], exited });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
    child.once('exit', () => reject(new Error(`gateway exited:\n${out}`)));
  });
}

describe('two gateways sharing one PostgreSQL', () => {
  let pg: TestPostgres;
  let origin: Origin;
  let dir: string;
  let file: string;
  const gateways: Running[] = [];

  beforeAll(async () => {
    pg = await startPostgres();
    origin = await startOrigin();
    dir = mkdtempSync(join(tmpdir(), 'verso-fleet-'));
    file = join(dir, 'gateway.yaml');
    writeFileSync(file, config(await pg.createDatabase('fleet'), origin.url));
    gateways.push(...await Promise.all([startGatewayProcess(file), startGatewayProcess(file)]));
  }, 90_000);

  afterAll(async () => {
    for (const g of gateways) g.child.kill('SIGKILL');
    await origin?.close();
    await pg?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('merges both gateways\' counts into one report with exact totals, flushed on graceful shutdown', async () => {
    // 3 clients × 2 versions, 50 requests each per gateway, 10 at a time per gateway.
    const jobs = gateways.flatMap((g) => Array.from({ length: 300 }, (_, i) => ({ url: g.url, client: `client-${i % 3}`, version: i % 2 === 0 ? '2024-01-01' : '2025-06-01' })));
    const queue = [...jobs];
    await Promise.all(Array.from({ length: 20 }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const res = await fetch(`${job.url}/orders`, { headers: { 'x-client-id': job.client, 'api-version': job.version } });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    }));

    for (const g of gateways) g.child.kill('SIGTERM');
    expect(await Promise.all(gateways.map((g) => g.exited))).toEqual([0, 0]);

    /** `verso report ARGS --format json` (in-process; the gateways above are the processes): its JSON, once it exits 0. */
    const report = async (...args: string[]): Promise<unknown> => {
      const res = await verso(['report', ...args, '--format', 'json', '--config', file]);
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout);
    };
    const byClient = await report('--by', 'client') as { total_requests: number; groups: { key: string; requests: number }[] };
    expect(byClient.total_requests).toBe(600);
    expect(byClient.groups.map((g) => [g.key, g.requests]).sort()).toEqual([['client-0', 200], ['client-1', 200], ['client-2', 200]]);

    const deprecated = await report('--deprecated') as { deprecated_requests: number; versions: { version: string; requests: number; clients: { client: string; requests: number }[] }[] };
    expect(deprecated.deprecated_requests).toBe(300);
    expect(deprecated.versions.map((v) => ({ version: v.version, requests: v.requests, clients: v.clients.map((c) => [c.client, c.requests]).sort() }))).toEqual([
      { version: '2024-01-01', requests: 300, clients: [['client-0', 100], ['client-1', 100], ['client-2', 100]] },
    ]);
  }, 120_000);
});
