/**
 * `verso start` and SIGHUP, as a real process (issue 13): Node's default for SIGHUP is to exit,
 * and the gateway used to die on it. Now it reloads, a broken config included, and stays up.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVerso } from '../helpers/cli.js';
import { until, within } from '../helpers/net.js';
import { startOrigin, type Origin } from '../helpers/servers.js';

function yaml(origin: string, deprecated: string): string {
  return `listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
store: { sqlite: ":memory:" }
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

const deprecation = async (url: string) => (await fetch(`${url}/orders/1`, { headers: { 'api-version': '2024-01-01' } })).headers.get('deprecation');

describe('`verso start` on SIGHUP', () => {
  let origin: Origin;
  let dir: string;

  beforeAll(async () => {
    origin = await startOrigin();
    dir = mkdtempSync(join(tmpdir(), 'verso-sighup-'));
  });
  afterAll(async () => {
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reloads a good config, keeps running on a broken one, and still drains on SIGTERM', async () => {
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, yaml(origin.url, '2025-01-01'));
    const cli = await startVerso(file);
    try {
      await until(() => cli.output().includes(`Reload         kill -HUP ${cli.child.pid}, or POST ${cli.adminUrl}/admin/reload\n`), 10_000, 'verso start did not say how to reload');
      expect(await deprecation(cli.url)).toBe(`@${Date.parse('2025-01-01T00:00:00Z') / 1000}`);

      writeFileSync(file, yaml(origin.url, '2025-02-01'));
      cli.child.kill('SIGHUP');
      await until(async () => (await deprecation(cli.url)) === `@${Date.parse('2025-02-01T00:00:00Z') / 1000}`, 10_000, 'the reloaded deprecation date never showed');
      // Log lines are written asynchronously (log-sink.ts).
      await until(() => /"trigger":"signal".*"msg":"configuration reloaded"/.test(cli.output()), 10_000, `no log line for the reload in:\n${cli.output()}`);

      writeFileSync(file, `${yaml(origin.url, '2025-03-01')}proxy: { bodyLimit: lots }\n`);
      cli.child.kill('SIGHUP');
      await until(() => cli.output().includes('reload failed'), 10_000, 'the failed reload was never logged');
      expect(cli.output()).toMatch(/"problems":\[".*gateway\.yaml:\d+ proxy\.bodyLimit: /);
      expect(cli.child.exitCode).toBeNull();
      expect(await deprecation(cli.url)).toBe(`@${Date.parse('2025-02-01T00:00:00Z') / 1000}`);
      const ready = await (await fetch(`${cli.adminUrl}/health/ready`)).json() as { config: { last_reload: Record<string, unknown> } };
      expect(ready.config.last_reload).toMatchObject({ result: 'failure', trigger: 'signal' });
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect(await within(10_000, cli.exit, 'verso start did not exit on SIGTERM')).toBe(0);
  });
});
