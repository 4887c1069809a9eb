import { describe, expect, it } from 'vitest';
import { stubCliEnv, verso } from '../helpers/cli.js';
import { DEMO_CHANGELOG } from '../helpers/demo-model.js';

// gateway.yaml reads DEMO_UPSTREAM_URL: the demo's default, whatever the shell has.
stubCliEnv({ DEMO_UPSTREAM_URL: '' });

describe('verso changelog', () => {
  it('prints the demo\'s changelog as Markdown, newest version first', async () => {
    expect(await verso(['changelog'])).toEqual({ code: 0, stdout: DEMO_CHANGELOG, stderr: '' });
  });

  it('prints JSON with each version\'s changes and lifecycle', async () => {
    const res = await verso(['changelog', '--format', 'json', '--config', 'gateway.yaml']);
    expect(res.code).toBe(0);
    const log = JSON.parse(res.stdout);
    expect(log.title).toBe('Shop API');
    expect(log.versions.map((v: { version: string }) => v.version)).toEqual(['2025-06-01', '2024-09-01', '2024-01-01', '2023-06-01']);
    expect(log.versions[2]).toEqual({
      version: '2024-01-01',
      aliases: ['v2'],
      head: false,
      deprecated: '2025-06-01',
      sunset: '2027-01-31',
      successor: '2025-06-01',
      docs: 'https://shop.example.com/docs/2024-01-01',
      brownouts: [{ start: '2027-01-15T14:00:00Z', end: '2027-01-15T16:00:00Z', percentage: 50 }],
      changes: [{ id: '2024-01-01/order-created-at', description: 'Order.created (unix seconds) is replaced by created_at, an ISO 8601 date-time.' }],
    });
    expect(log.versions[0]).toMatchObject({ version: '2025-06-01', head: true, changes: [{ id: '2025-06-01/order-customer-id' }, { id: '2025-06-01/order-status-canceled' }] });
    expect(res.stdout.endsWith('}\n')).toBe(true);
  });

  it('says so when the config has no changes', async () => {
    const res = await verso(['changelog', '--config', 'test/cli/fixtures/no-translation.yaml']);
    expect(res).toEqual({
      code: 2,
      stdout: '',
      stderr: 'verso changelog: test/cli/fixtures/no-translation.yaml has no translation section (translation.spec and translation.changes), so there are no changes to read\n',
    });
  });
});
