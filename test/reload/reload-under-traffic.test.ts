/**
 * Reloading while traffic flows (issue 13): a project on disk (config, spec, TypeScript changes)
 * is served by an in-process gateway in front of the demo shop, while steady passthrough and
 * translated traffic runs and the project is edited and reloaded 20 times, half of the edits
 * broken.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../demo/server.js';
import type { Gateway } from '../../gateway/server.js';
import { copyDemoProject, deprecationOf, projectYaml, startProjectGateway } from '../helpers/project.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');

describe('reloading under steady traffic', () => {
  let dir: string;
  let demo: RunningDemo;
  let gateway: Gateway;
  let url: string;
  let adminUrl: string;
  let logs: Record<string, unknown>[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verso-reload-'));
    copyDemoProject(dir, { config: false });
    demo = await startDemo({ now: () => new Date(NOW) });
    writeFileSync(join(dir, 'gateway.yaml'), projectYaml(demo.url, { deprecated: '2025-01-01' }));
    ({ gateway, url, adminUrl, logs } = await startProjectGateway(join(dir, 'gateway.yaml'), { now: () => NOW }));
  });
  afterAll(async () => {
    await gateway?.close();
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves every request while reloading 20 times, applies each good reload and keeps the running configuration on each bad one', async () => {
    // Steady traffic: 6 keep-alive clients, each alternating a translated read (2024-01-01, whose
    // response chain renames and converts fields) and a passthrough read at head.
    const agent = new Agent({ connections: 6 });
    let stop = false;
    const failures: string[] = [];
    const seen = { translated: 0, passthrough: 0 };
    const client = async () => {
      for (let i = 0; !stop; i++) {
        const translated = i % 2 === 0;
        try {
          const res = await request(`${url}/orders/ord_0001`, { dispatcher: agent, headers: { 'api-version': translated ? '2024-01-01' : '2025-06-01', 'x-client-id': 'steady' } });
          const body = await res.body.json() as Record<string, unknown>;
          if (res.statusCode !== 200) failures.push(`${res.statusCode} ${JSON.stringify(body)}`);
          // The shapes differ by version: 2024-01-01's amount is a decimal string ("12.50"), head's an integer in minor units.
          else if (translated ? !('amount' in body) || typeof body.amount !== 'string' : typeof body.amount !== 'number') failures.push(`wrong shape at ${translated ? '2024-01-01' : 'head'}: ${JSON.stringify(body)}`);
          else seen[translated ? 'translated' : 'passthrough']++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const clients = Array.from({ length: 6 }, client);

    const deprecationHeader = async () => (await request(`${url}/orders/ord_0001`, { headers: { 'api-version': '2024-01-01' } }).then(async (r) => { await r.body.dump(); return r.headers.deprecation; }));
    const reload = async () => {
      const res = await request(`${adminUrl}/admin/reload`, { method: 'POST' });
      return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> };
    };
    const hashBefore = gateway.status().config_hash;
    expect(await deprecationHeader()).toBe(deprecationOf('2025-01-01'));

    const broken = join(dir, 'versions', '2025-06-01', 'broken.ts');
    const badEdits: [string, () => void, RegExp][] = [
      ['an unknown upstream', () => writeFileSync(join(dir, 'gateway.yaml'), projectYaml(demo.url, { deprecated: '2025-03-01', extra: 'proxy: { bodyLimit: 1mb }\n' }).replace('upstream: shop }\n  - { prefix: /customers', 'upstream: nowhere }\n  - { prefix: /customers')), /routes\[0\]\.upstream/],
      ['a change file that does not compile', () => writeFileSync(broken, 'export default change({ description: "oops", instructions: [ });\n'), /broken\.ts: cannot be loaded/],
      ['a sunset before its deprecation', () => writeFileSync(join(dir, 'gateway.yaml'), projectYaml(demo.url, { deprecated: '2028-01-01' })), /versions\[1\]/],
      ['a change file with no default export', () => writeFileSync(broken, 'export const nothing = 1;\n'), /broken\.ts: has no default export/],
      ['a config that is not YAML', () => writeFileSync(join(dir, 'gateway.yaml'), 'versions: [\n'), /gateway\.yaml/],
    ];

    let running = hashBefore;
    let expected = '2025-01-01';
    for (let round = 0; round < 10; round++) {
      // A good edit: a new deprecation date for 2024-01-01 (and the broken file, if any, gone).
      rmSync(broken, { force: true });
      expected = `2025-0${1 + (round % 9)}-1${round % 10}`;
      writeFileSync(join(dir, 'gateway.yaml'), projectYaml(demo.url, { deprecated: expected }));
      const good = await reload();
      expect(good.status, JSON.stringify(good.body)).toBe(200);
      expect(good.body).toMatchObject({ result: 'success', trigger: 'admin' });
      expect(good.body.config_hash).not.toBe(running);
      running = good.body.config_hash as string;
      expect(await deprecationHeader()).toBe(deprecationOf(expected));

      // A bad edit: refused with its problems, the running configuration untouched.
      const [what, edit, problem] = badEdits[round % badEdits.length];
      edit();
      const bad = await reload();
      expect(bad.status, what).toBe(422);
      expect(bad.body).toMatchObject({ result: 'failure', trigger: 'admin', config_hash: running });
      expect((bad.body.problems as string[]).some((p) => problem.test(p)), `${what}: ${JSON.stringify(bad.body.problems)}`).toBe(true);
      expect(await deprecationHeader()).toBe(deprecationOf(expected));
    }
    rmSync(broken, { force: true });

    stop = true;
    await Promise.all(clients);
    await agent.close();
    expect(failures).toEqual([]);
    expect(seen.translated).toBeGreaterThan(20);
    expect(seen.passthrough).toBeGreaterThan(20);

    // What the reloads left for operators: counts by result, the running hash, the last reload.
    const metrics = await (await request(`${adminUrl}/metrics`)).body.text();
    expect(metrics).toContain('verso_config_reload_total{result="success"} 10');
    expect(metrics).toContain('verso_config_reload_total{result="failure"} 10');
    expect(metrics).toContain(`verso_config_info{hash="${running}"} 1`);
    const ready = await (await request(`${adminUrl}/health/ready`)).body.json() as { config: Record<string, unknown> };
    expect(ready.config).toMatchObject({ file: join(dir, 'gateway.yaml'), config_hash: running, last_reload: { result: 'failure', trigger: 'admin', config_hash: running } });
    expect(logs.filter((l) => l.msg === 'configuration reloaded').length).toBe(10);
    expect(logs.filter((l) => String(l.msg).startsWith('reload failed')).length).toBe(10);
  }, 60_000);

  it('finishes a request that was in flight during a reload on the configuration it started with', async () => {
    writeFileSync(join(dir, 'gateway.yaml'), projectYaml(demo.url, { deprecated: '2025-02-02' }));
    expect((await gateway.reload('admin')).result).toBe('success');
    // A translated create whose body is still arriving when the reload swaps the configuration.
    const body = new PassThrough();
    const answer = request(`${url}/orders`, { method: 'POST', body, headers: { 'api-version': '2024-01-01', 'content-type': 'application/json', 'content-length': '40' } });
    body.write('{"customer":"cus_0002",');
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(dir, 'gateway.yaml'), projectYaml(demo.url, { deprecated: '2025-03-03' }));
    expect((await gateway.reload('admin')).result).toBe('success');
    body.end('"amount":"45.50"}');
    const res = await answer;
    expect(res.statusCode).toBe(201);
    expect(res.headers.deprecation).toBe(deprecationOf('2025-02-02'));
    expect(await res.body.json()).toMatchObject({ customer: 'cus_0002', amount: '45.50', status: 'pending' });
    // A request that starts now gets the new one.
    const after = await request(`${url}/orders/ord_0001`, { headers: { 'api-version': '2024-01-01' } });
    await after.body.dump();
    expect(after.headers.deprecation).toBe(deprecationOf('2025-03-03'));
  });
});
