import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stubCliEnv, verso } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'verso-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// gateway.yaml reads DEMO_UPSTREAM_URL: the demo's default, whatever the shell has.
stubCliEnv({ DEMO_UPSTREAM_URL: '' });

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('verso check', () => {
  it('accepts the demo configuration', async () => {
    const res = await verso(['check', '--config', 'gateway.yaml']);
    expect(res).toEqual({ code: 0, stdout: 'gateway.yaml: OK (4 versions, head 2025-06-01; 1 upstream(s); 2 route(s); 7 change(s))\nproved 4 operations across 3 version pairs\n  one-way, validated but not round-tripped: 2024-09-01/order-list-envelope (response hook on GET /orders)\nlocked contracts: 3 versions unchanged\n', stderr: '' });
  });

  it('exits 2 listing every problem with file, line and key path', async () => {
    const bad = file('bad.yaml', [
      'versions:',
      '  - id: "2024-01-01"',
      '    deprecated: "2025-01-01"',
      '    sunset: "2024-01-01"',
      '  - id: "2025-01-01"',
      'upstreams:',
      '  a: { url: "ftp://nope" }',
      'routes:',
      '  - { prefix: /a, upstream: b }',
      '',
    ].join('\n'));
    const res = await verso(['check', '--config', bad]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    // The schema's problem and the cross-field ones elsewhere, in one run (issue 10).
    expect(res.stderr).toBe([
      `${bad}: 3 configuration problems:`,
      `  - ${bad}:7 upstreams.a.url: must be an http:// or https:// URL such as "http://127.0.0.1:3000"; got "ftp://nope"`,
      `  - ${bad}:4 versions[0].sunset: sunset (2024-01-01) must not precede deprecated (2025-01-01)`,
      `  - ${bad}:9 routes[0].upstream: unknown upstream "b"; defined upstreams: a`,
      '',
    ].join('\n'));
    const fixed = file('bad2.yaml', [
      'versions:',
      '  - id: "2024-01-01"',
      '    deprecated: "2025-01-01"',
      '    sunset: "2024-01-01"',
      '  - id: "2025-01-01"',
      'upstreams:',
      '  a: { url: "http://127.0.0.1:1" }',
      'routes:',
      '  - { prefix: /a, upstream: b }',
      '',
    ].join('\n'));
    const second = await verso(['check', '--config', fixed]);
    expect(second.code).toBe(2);
    expect(second.stderr).toBe([
      `${fixed}: 2 configuration problems:`,
      `  - ${fixed}:4 versions[0].sunset: sunset (2024-01-01) must not precede deprecated (2025-01-01)`,
      `  - ${fixed}:9 routes[0].upstream: unknown upstream "b"; defined upstreams: a`,
      '',
    ].join('\n'));
  });

  it('names a file it cannot read', async () => {
    const res = await verso(['check', '--config', join(dir, 'missing.yaml')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`${join(dir, 'missing.yaml')}: 1 configuration problem:\n  - ${join(dir, 'missing.yaml')} (top level): cannot read the file (ENOENT)\n`);
  });
});

describe('verso --help', () => {
  it('lists the subcommands', async () => {
    const res = await verso(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('start [options]');
    expect(res.stdout).toContain('check [options]');
  });

  for (const sub of ['start', 'check']) {
    it(`describes ${sub} and its --config option`, async () => {
      const res = await verso([sub, '--help']);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(`Usage: verso ${sub} [options]`);
      expect(res.stdout).toContain('-c, --config <file>');
    });
  }

  it('exits 1 with the stack for an error that is not a config or change mistake', async () => {
    vi.stubEnv('VERSO_NOW', 'soon');
    try {
      const res = await verso(['report']);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/^verso: Error: VERSO_NOW must be an RFC 3339 date or date-time; got "soon"\n    at /);
    } finally {
      vi.stubEnv('VERSO_NOW', undefined);
    }
  });

  it('rejects an unknown subcommand with help', async () => {
    const res = await verso(['strat']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("unknown command 'strat'");
  });
});
