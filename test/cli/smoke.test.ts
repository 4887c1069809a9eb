/**
 * The `verso` binary, one spawn per command: every other CLI test runs the same command line
 * in-process (test/helpers/cli.ts), so these check what only a real process shows: main.ts, the
 * exit status, real stdin and stdout, and which modules a command loads. `verso start` has its
 * spawned tests in test/proxy/graceful-shutdown.test.ts.
 *
 * main.ts promises lazy loading: a light command must not load the translator or the OpenAPI
 * engine (about half of a CLI start-up). `spec` shows that the load log does see them.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../gateway/usage/store/sqlite.js';
import { spawnVerso } from '../helpers/cli.js';
import { copyDemoProject } from '../helpers/project.js';
import { DEMO_CHANGELOG } from '../helpers/demo-model.js';

const NOW = '2025-06-15T12:00:00Z';
const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'verso-smoke-'));
const CONFIG = join(dir, 'verso.yaml');
writeFileSync(CONFIG, `
versions:
  - { id: "2024-01-01", aliases: [v1] }
  - { id: "2025-06-01", aliases: [v2] }
upstreams: { shop: { url: "http://127.0.0.1:1", speaks: head } }
routes: [{ prefix: /orders, upstream: shop }]
resolve: { order: [header, pin, default] }
clients:
  - apiKey: { header: X-Api-Key, salt: "a-test-salt-of-16-chars" }
store: { sqlite: usage.db }
pins: { refresh: 15s }
`);

beforeAll(async () => {
  const store = new SqliteStore(join(dir, 'usage.db'));
  await store.init();
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The translation engine: what a command that does not read the changes must not load. */
const ENGINE = ['/gateway/translate/translator.ts', '/gateway/translate/spec.ts', '/node_modules/@readme/openapi-parser/'];
const loadedOf = (loaded: string[], parts: string[]) => loaded.filter((url) => parts.some((p) => url.includes(p)));

describe.concurrent('the verso binary', () => {
  it('check: proves the demo and exits 0', async () => {
    const res = await spawnVerso(['check']);
    expect({ code: res.code, stdout: res.stdout, stderr: res.stderr }).toEqual({
      code: 0,
      stdout: 'gateway.yaml: OK (4 versions, head 2025-06-01; 1 upstream(s); 2 route(s); 7 change(s))\nproved 4 operations across 3 version pairs\n  one-way, validated but not round-tripped: 2024-09-01/order-list-envelope (response hook on GET /orders)\nlocked contracts: 3 versions unchanged\n',
      stderr: '',
    });
  });

  it('runs as the README says in this repository: npm run verso -- check, TypeScript sources and changes, no build', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'verso', '--', 'check', '--config', 'gateway.yaml'], { cwd: ROOT, env: { ...process.env, DEMO_UPSTREAM_URL: '' } });
    expect(stdout.split('\n')[0]).toBe('gateway.yaml: OK (4 versions, head 2025-06-01; 1 upstream(s); 2 route(s); 7 change(s))');
  });

  it('lock: writes every version\'s contract beside a copy of the demo\'s changes', async () => {
    const project = join(dir, 'lock-project');
    copyDemoProject(project);
    const res = await spawnVerso(['lock', '--config', join(project, 'gateway.yaml')]);
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^Locked 4 versions in \S*lock-project\/versions\/lock: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01\n$/);
    expect(readdirSync(join(project, 'versions/lock'))).toEqual(['2023-06-01.json', '2024-01-01.json', '2024-09-01.json', '2025-06-01.json']);
  });

  it('types: writes every version\'s schemas beside a copy of the demo\'s changes', async () => {
    const project = join(dir, 'types-project');
    copyDemoProject(project);
    const res = await spawnVerso(['types', '--config', join(project, 'gateway.yaml')]);
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^Wrote \S*types-project\/versions\/verso-types\.d\.ts: the schemas of 4 versions, for at\(VERSION\)\.schema\(NAME\)\n$/);
    expect(readFileSync(join(project, 'versions/verso-types.d.ts'), 'utf8')).toBe(readFileSync(join(ROOT, 'versions/verso-types.d.ts'), 'utf8'));
  });

  it('spec: prints a version\'s document, loading the translation engine', async () => {
    const res = await spawnVerso(['spec', '--version', 'v2'], { loads: true });
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout).info.version).toBe('2024-01-01');
    // The load log sees the engine when a command does load it.
    for (const part of ENGINE) expect(loadedOf(res.loaded, [part]), part).not.toEqual([]);
  });

  it('changelog: prints the demo\'s changelog', async () => {
    const res = await spawnVerso(['changelog']);
    expect({ code: res.code, stdout: res.stdout, stderr: res.stderr }).toEqual({ code: 0, stdout: DEMO_CHANGELOG, stderr: '' });
  });

  it('new-change: exits 2 for a name that is not kebab-case', async () => {
    const res = await spawnVerso(['new-change', 'OrderNote', '--version', 'v4']);
    expect({ code: res.code, stdout: res.stdout, stderr: res.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'verso new-change: NAME "OrderNote" must be kebab-case (lowercase letters and digits in words joined by single hyphens, starting with a letter), such as "order-note"\n',
    });
  });

  it('init: refuses a folder that already has a gateway.yaml, writing nothing', async () => {
    const res = await spawnVerso(['init', '.']);
    expect({ code: res.code, stdout: res.stdout }).toEqual({ code: 2, stdout: '' });
    expect(res.stderr).toMatch(/^verso init: gateway\.yaml, versions\/index\.ts already exist in \/.+; nothing was written \(init never overwrites a file\)\n$/);
  });

  it('report: prints an empty store\'s report at VERSO_NOW', async () => {
    const res = await spawnVerso(['report', '--config', CONFIG], { env: { VERSO_NOW: NOW } });
    expect({ code: res.code, stdout: res.stdout, stderr: res.stderr }).toEqual({
      code: 0,
      stdout: '0 requests from 2025-06-08T12:00:00.000Z to 2025-06-15T12:00:00.000Z, by version\n\nNo requests recorded in this range.\n',
      stderr: '',
    });
  });

  it('pin list: lists no pins without loading the translation engine', async () => {
    const res = await spawnVerso(['pin', 'list', '--config', CONFIG], { loads: true });
    expect({ code: res.code, stdout: res.stdout, stderr: res.stderr }).toEqual({ code: 0, stdout: 'No pins.\n', stderr: '' });
    expect(res.loaded.some((url) => url.endsWith('/gateway/cli/pin.ts'))).toBe(true);
    expect(loadedOf(res.loaded, ENGINE)).toEqual([]);
  });

  it('key-id: reads the key from stdin, loading neither the translation engine nor a store or server', async () => {
    const res = await spawnVerso(['key-id', '--config', CONFIG], { input: 'sk_live_123\n', loads: true });
    expect({ code: res.code, stdout: res.stdout, stderr: res.stderr }).toEqual({ code: 0, stdout: 'key_3bfb7a161f766572\n', stderr: '' });
    expect(res.loaded.some((url) => url.endsWith('/gateway/cli/key-id.ts'))).toBe(true);
    expect(loadedOf(res.loaded, [...ENGINE, '/gateway/usage/', '/gateway/server.ts', '/node_modules/fastify/', '/node_modules/better-sqlite3/', '/node_modules/pg/'])).toEqual([]);
  });
});
