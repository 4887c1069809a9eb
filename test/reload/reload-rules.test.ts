/**
 * What a reload applies and what it cannot (issue 13): `reload.watch` triggers it from file edits,
 * settings that need a restart are named and left as they run, and `POST /admin/reload` follows
 * the admin token rules.
 */

import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../demo/server.js';
import type { Gateway } from '../../gateway/server.js';
import { within } from '../helpers/net.js';
import { copyDemoProject, deprecationOf, projectYaml, startProjectGateway } from '../helpers/project.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');

describe('reload rules', () => {
  let demo: RunningDemo;
  let dir: string;
  let gateway: Gateway | undefined;

  beforeAll(async () => {
    demo = await startDemo({ now: () => new Date(NOW) });
  });
  afterAll(async () => {
    await demo.close();
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(text: string) {
    dir = mkdtempSync(join(tmpdir(), 'verso-reload-rules-'));
    copyDemoProject(dir, { config: false });
    writeFileSync(join(dir, 'gateway.yaml'), text);
    const started = await startProjectGateway(join(dir, 'gateway.yaml'), { now: () => NOW });
    gateway = started.gateway;
    return { url: started.url, adminUrl: started.adminUrl, file: join(dir, 'gateway.yaml') };
  }

  const deprecation = async (url: string) => (await fetch(`${url}/orders/ord_0001`, { headers: { 'api-version': '2024-01-01' } })).headers.get('deprecation');

  it('with reload.watch, reloads when the config file or a change file is edited', async () => {
    const { url, file } = await start(projectYaml(demo.url, { watch: true }));
    writeFileSync(file, projectYaml(demo.url, { watch: true, deprecated: '2025-04-04' }));
    await within(5000, (async () => { while ((await deprecation(url)) !== deprecationOf('2025-04-04')) await new Promise((r) => setTimeout(r, 50)); })(), 'the edit was never reloaded');
    expect(gateway!.status().last_reload).toMatchObject({ result: 'success', trigger: 'watch' });

    // A new change file nobody lists: the reload it triggers fails, naming it; the running config stays.
    writeFileSync(join(dir, 'versions', '2025-06-01', 'stray.ts'), "import { change } from 'verso';\nexport default change({ description: 'stray', instructions: [] });\n");
    await within(5000, (async () => { while (gateway!.status().last_reload?.result !== 'failure') await new Promise((r) => setTimeout(r, 50)); })(), 'the new change file was never seen');
    expect(gateway!.status().last_reload!.problems).toEqual([expect.stringMatching(/stray\.ts: defines a change that .*index\.ts does not list under any version/)]);
    expect(await deprecation(url)).toBe(deprecationOf('2025-04-04'));
  });

  it('with reload.watch, reloads a config mounted from a Kubernetes ConfigMap when the volume swaps its ..data link', async () => {
    // The kubelet's atomic writer: gateway.yaml -> ..data/gateway.yaml, ..data -> ..<timestamp>/;
    // an update writes a new timestamped folder and renames a new ..data link over the old one.
    await start(projectYaml(demo.url, { watch: true }));
    const mount = join(dir, 'mount');
    mkdirSync(join(mount, '..2026_12_07_1'), { recursive: true });
    writeFileSync(join(mount, '..2026_12_07_1', 'gateway.yaml'), projectYaml(demo.url, { watch: true }).replaceAll('specs/', '../specs/').replace('changes: versions', 'changes: ../versions'));
    symlinkSync('..2026_12_07_1', join(mount, '..data'));
    symlinkSync('..data/gateway.yaml', join(mount, 'gateway.yaml'));
    await gateway!.close();
    let mounted: string;
    ({ gateway, url: mounted } = await startProjectGateway(join(mount, 'gateway.yaml'), { now: () => NOW }));

    mkdirSync(join(mount, '..2026_12_07_2'));
    writeFileSync(join(mount, '..2026_12_07_2', 'gateway.yaml'), projectYaml(demo.url, { watch: true, deprecated: '2025-06-06' }).replaceAll('specs/', '../specs/').replace('changes: versions', 'changes: ../versions'));
    symlinkSync('..2026_12_07_2', join(mount, '..data_tmp'));
    renameSync(join(mount, '..data_tmp'), join(mount, '..data'));
    await within(5000, (async () => { while ((await deprecation(mounted)) !== deprecationOf('2025-06-06')) await new Promise((r) => setTimeout(r, 50)); })(), 'the swapped ConfigMap was never reloaded');
    expect(gateway!.status().last_reload).toMatchObject({ result: 'success', trigger: 'watch' });
  });

  it('names the settings that need a restart, keeps them as they run and applies the rest', async () => {
    const { url, adminUrl, file } = await start(projectYaml(demo.url));
    const adminPort = Number(new URL(adminUrl).port);
    writeFileSync(file, projectYaml(demo.url, { deprecated: '2025-05-05', adminPort: adminPort + 1, level: 'warn' }).replace('store: { sqlite: ":memory:" }', `store: { sqlite: "${join(dir, 'usage.db')}" }`));
    const res = await fetch(`${adminUrl}/admin/reload`, { method: 'POST' });
    expect(res.status).toBe(200);
    const body = await res.json() as Record<string, unknown>;
    expect(body).toEqual({
      result: 'success',
      trigger: 'admin',
      at: new Date(NOW).toISOString(),
      duration_ms: expect.any(Number),
      config_hash: expect.stringMatching(/^[0-9a-f]{12}$/),
      restart_required: ['admin.port', 'store'],
    });
    // Applied: the lifecycle and the log level. Kept: the admin port and the store.
    expect(await deprecation(url)).toBe(deprecationOf('2025-05-05'));
    expect(gateway!.logger.level).toBe('warn');
    expect(gateway!.config.admin.port).toBe(0);
    expect(gateway!.config.store).toEqual({ kind: 'sqlite', file: ':memory:' });
    expect((await fetch(`${adminUrl}/health/live`)).status).toBe(200);
  });

  it('asks for the admin token on POST /admin/reload when one is configured', async () => {
    const { adminUrl } = await start(projectYaml(demo.url, { token: 'a-long-enough-admin-token-0123456789' }));
    const refused = await fetch(`${adminUrl}/admin/reload`, { method: 'POST' });
    expect(refused.status).toBe(401);
    expect(gateway!.status().last_reload).toBeUndefined();
    const allowed = await fetch(`${adminUrl}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer a-long-enough-admin-token-0123456789' } });
    expect(allowed.status).toBe(200);
    expect(gateway!.status().last_reload).toMatchObject({ result: 'success', trigger: 'admin' });
  });
});
