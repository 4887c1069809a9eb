/**
 * The Dockerfile, checked without Docker (there is no daemon where CI runs). Its stages are parsed
 * and replayed on the host by ./replay.ts: every COPY, ENV, WORKDIR and RUN of the runtime stage
 * as written, including the real `npm ci --omit=dev --ignore-scripts` from the copied lockfile and
 * better-sqlite3's module as the build stage compiled it, so the test proves that production
 * dependencies alone run the gateway. Then the stage's CMD starts the gateway
 * against the demo origin, its HEALTHCHECK command must pass, a request must go through, and
 * SIGTERM must end it with exit code 0.
 *
 * Three liberties, each stated where it is taken: the build stage's `npm ci` is replaced by a
 * link to the repository's node_modules (installed from the same lockfile, better-sqlite3 compiled
 * by the same Node; the build stage's other instructions, `npm run build` included, run as
 * written); its apt-get of the compiler is replaced by a check that the host has that compiler;
 * and the runtime gets PORT=0 and
 * ADMIN_PORT=0 (read by the example configuration) so it binds free ports; the HEALTHCHECK then
 * gets the admin port it was given through ADMIN_PORT, which its command reads.
 */

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../demo/server.js';
import { dockerignore, durationMs, parseDockerfile, type Command, type Stage } from './dockerfile.js';
import { hostEnv, hostPath, Processes, processUser, replayStage, toHost, type ReplayedStage, type Started } from './replay.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const stages = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
const runtimeStage = stages.at(-1)!; // what `docker build` produces without --target
const buildStages = stages.slice(0, -1);
const ignored = dockerignore(readFileSync(join(repo, '.dockerignore'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

function scripts(stage: Stage): string[] {
  return stage.instructions.flatMap((i) => (i.kind === 'RUN' ? [i.command.form === 'shell' ? i.command.script : i.command.args.join(' ')] : []));
}

/** The build stage's RUN that installs the compiler better-sqlite3 needs without a prebuilt binary. */
const TOOLCHAIN = scripts(buildStages[0]!).find((s) => s.startsWith('apt-get ')) ?? 'apt-get';

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, tool)));
}

function exec(command: Command | undefined): string[] {
  if (command?.form !== 'exec') throw new Error('expected the JSON (exec) form');
  return command.args;
}

describe('Dockerfile', () => {
  it('compiles in a build stage and copies only dist/ and better-sqlite3\'s built module from it into the runtime stage', () => {
    expect(buildStages.length).toBeGreaterThanOrEqual(1);
    const build = buildStages.find((s) => scripts(s).includes('npm run build'));
    expect(build, 'a build stage runs `npm run build`').toBeDefined();
    expect(scripts(build!)).toContain('npm ci');
    expect(scripts(runtimeStage).some((s) => /\bnpm run build\b|\btsc\b/.test(s))).toBe(false);
    const fromBuild = runtimeStage.instructions.filter((i) => i.kind === 'COPY' && i.from === build!.name);
    expect(fromBuild.map((i) => i.kind === 'COPY' && i.sources)).toEqual([['/app/node_modules/better-sqlite3/build'], ['/app/dist']]);
  });

  it('bases the runtime on a slim Node image that satisfies engines.node', () => {
    const major = Number(/^node:(\d+)/.exec(runtimeStage.image)?.[1]);
    const required = Number(/^>=\s*(\d+)/.exec(pkg.engines.node)?.[1]);
    expect(major).toBeGreaterThanOrEqual(required);
    expect(runtimeStage.image).toMatch(/-slim$/);
  });

  it('installs production dependencies only, and takes better-sqlite3\'s native module from the build stage', () => {
    const env = Object.fromEntries(runtimeStage.instructions.flatMap((i) => (i.kind === 'ENV' ? i.vars : [])));
    expect(env.NODE_ENV).toBe('production');
    const installs = scripts(runtimeStage).filter((s) => /\bnpm (ci|install|i)\b/.test(s));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/\bnpm ci --omit=dev --ignore-scripts\b/);
    // The slim runtime has no compiler; the build stage has one, before its npm ci runs
    // better-sqlite3's install script (compiling when no prebuilt binary can be downloaded).
    expect(scripts(runtimeStage).some((s) => /\b(apt-get|g\+\+|make)\b/.test(s))).toBe(false);
    const build = scripts(buildStages.find((s) => scripts(s).includes('npm ci'))!);
    const toolchain = build.findIndex((s) => /apt-get install\b.*\bpython3\b.*\bmake\b.*\bg\+\+/.test(s));
    expect(toolchain).toBeGreaterThanOrEqual(0);
    expect(toolchain).toBeLessThan(build.indexOf('npm ci'));
  });

  it('runs as a non-root user, exposes both listeners and checks liveness on the admin listener', () => {
    const users = runtimeStage.instructions.filter((i) => i.kind === 'USER');
    const user = users.at(-1);
    expect(user && user.kind === 'USER' && user.user).toBeTruthy();
    expect(['root', '0', '0:0']).not.toContain(user?.kind === 'USER' ? user.user : 'root');
    const exposed = runtimeStage.instructions.flatMap((i) => (i.kind === 'EXPOSE' ? i.ports : []));
    expect(exposed).toEqual(expect.arrayContaining(['8080', '9901']));
    const health = runtimeStage.instructions.find((i) => i.kind === 'HEALTHCHECK');
    expect(health?.kind).toBe('HEALTHCHECK');
    if (health?.kind !== 'HEALTHCHECK') return;
    const [program, ...args] = exec(health.command);
    expect(program).toBe('node'); // the slim image has no curl or wget
    expect(args.join(' ')).toContain('http://127.0.0.1:');
    expect(args.join(' ')).toContain('/health/live');
    expect(durationMs(health.options.timeout ?? '30s')).toBeLessThanOrEqual(10_000);
  });

  it('starts node directly (exec form), so the gateway itself receives SIGTERM', () => {
    const cmd = runtimeStage.instructions.find((i) => i.kind === 'CMD');
    expect(cmd?.kind === 'CMD' && exec(cmd.command).slice(0, 3)).toEqual(['node', 'gateway/cli/main.js', 'start']);
  });

  it('keeps installed modules, build output and the repository history out of the build context', () => {
    for (const path of ['node_modules', 'node_modules/fastify/package.json', 'bench/node_modules/x', 'dist/gateway/server.js', '.git/HEAD', 'test/docker/dockerfile.test.ts']) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.build.json', 'gateway/server.ts', 'demo/server.ts', 'specs/shop.openapi.yaml', 'gateway.yaml']) {
      expect(ignored(path), path).toBe(false);
    }
  });
});

describe('the runtime stage, replayed outside Docker', () => {
  const processes = new Processes();
  let tmp: string;
  let demo: RunningDemo | undefined;
  let runtime: ReplayedStage;
  let gateway: Started | undefined;
  let containerEnv: Record<string, string>;
  let urls: { url: string; adminUrl: string } | undefined;

  /**
   * What the base image and `docker build` provide to RUN besides the stage's ENV. A container
   * does not inherit the test's environment (vitest's NODE_ENV, the npm_* variables of `npm test`,
   * the repository's node_modules/.bin on PATH), so only the basics and network settings pass.
   */
  function baseEnv(): Record<string, string> {
    const pass = /^(HOME|TMPDIR|LANG|LC_ALL|SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS|https?_proxy|no_proxy|HTTPS?_PROXY|NO_PROXY|npm_config_(registry|userconfig|globalconfig|cafile|strict_ssl|proxy|https_proxy|noproxy))$/;
    const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => pass.test(e[0]) && e[1] !== undefined));
    return {
      ...env,
      PATH: (process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes(`node_modules${sep}.bin`) && !p.includes('node-gyp-bin')).join(delimiter),
      // The image's npm cache (/root/.npm) stands in the temp dir, so `npm cache clean --force`
      // cleans that one and never the host's.
      npm_config_cache: join(tmp, 'npm-cache'),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
  }

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'verso-docker-'));
    chmodSync(tmp, 0o755); // the runtime user must reach its files, as in the image
    const earlier = new Map<string, ReplayedStage>();
    for (const stage of stages) {
      const root = join(tmp, `stage-${stage.name}`);
      mkdirSync(root);
      const replayed = await replayStage(stage, {
        context: repo,
        ignored,
        root,
        earlier,
        baseEnv: baseEnv(),
        processes,
        runTimeoutMs: 300_000,
        replace: stage === runtimeStage ? {} : {
          // Liberty 1: same lockfile, already installed in the repository by `npm ci`.
          'npm ci': (s) => symlinkSync(join(repo, 'node_modules'), hostPath(s, 'node_modules'), 'dir'),
          // Liberty 2: the host is the build stage's base image; it must have the compiler the stage installs.
          [TOOLCHAIN]: () => {
            for (const tool of ['python3', 'make', 'g++']) expect(onPath(tool), `${tool} on PATH (the build stage installs it)`).toBe(true);
          },
        },
      });
      earlier.set(stage.name, replayed);
    }
    runtime = earlier.get(runtimeStage.name)!;
    demo = await startDemo({ host: '127.0.0.1', port: 0 });
    containerEnv = { PATH: baseEnv().PATH, ...hostEnv(runtime), DEMO_UPSTREAM_URL: demo.url, PORT: '0', ADMIN_PORT: '0' };
  }, 330_000);

  afterAll(async () => {
    processes.dispose();
    await demo?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('ran every RUN of the runtime stage as written, with no devDependency installed and no npm cache left', () => {
    expect(runtime.runs.length).toBeGreaterThan(0);
    expect(runtime.runs.filter((r) => r.replaced)).toEqual([]);
    const lock = JSON.parse(readFileSync(hostPath(runtime, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }> };
    const entries = Object.entries(lock.packages).filter(([path]) => path.startsWith('node_modules/'));
    const devOnly = entries.filter(([, e]) => e.dev).map(([path]) => path);
    expect(devOnly.length).toBeGreaterThan(0);
    expect(devOnly.filter((path) => existsSync(hostPath(runtime, path)))).toEqual([]);
    // sucrase is the runtime dependency that compiles .ts changes (translate/fresh-modules.ts); tsx and esbuild are for development only.
    for (const name of [...Object.keys(pkg.devDependencies), 'typescript', 'vitest']) {
      expect(existsSync(hostPath(runtime, `node_modules/${name}`)), name).toBe(false);
    }
    const production = entries.filter(([, e]) => !e.dev && !e.optional && !e.devOptional).map(([path]) => path);
    expect(production.filter((path) => !existsSync(hostPath(runtime, path)))).toEqual([]);
    expect(existsSync(join(tmp, 'npm-cache', '_cacache'))).toBe(false);
    // Compiled code only: no TypeScript sources or tests in the image.
    expect(existsSync(hostPath(runtime, 'gateway/cli/main.js'))).toBe(true);
    expect(existsSync(hostPath(runtime, 'versions/index.js'))).toBe(true);
    expect(existsSync(hostPath(runtime, 'gateway/cli/main.ts'))).toBe(false);
    for (const path of ['test', 'tsconfig.json']) expect(existsSync(hostPath(runtime, path)), path).toBe(false);
    // dist/ holds only the link that lets the compiled changes' `import 'verso'` reach /app/gateway.
    expect(readdirSync(hostPath(runtime, 'dist'))).toEqual(['gateway']);
    expect(readlinkSync(hostPath(runtime, 'dist/gateway'))).toBe('../gateway');
  });

  it('starts from its CMD with the example configuration and passes its HEALTHCHECK', async () => {
    const [program, ...args] = exec(runtime.cmd).map((a) => toHost(runtime, a));
    expect(args).toContain(hostPath(runtime, '/app/gateway.yaml')); // the shipped example config
    gateway = processes.start(program, args, { cwd: hostPath(runtime, '.'), env: containerEnv, ...processUser(runtime.user) });
    urls = await listening(gateway, 20_000);

    const health = runtime.healthcheck!;
    const adminPort = new URL(urls.adminUrl).port;
    const [hcProgram, ...hcArgs] = exec(health.command);
    const result = await processes.run(hcProgram, hcArgs, {
      cwd: hostPath(runtime, '.'),
      env: { ...containerEnv, ADMIN_PORT: adminPort },
      ...processUser(runtime.user),
    }, durationMs(health.options.timeout ?? '30s'));
    expect(result.code, result.output).toBe(0);
  });

  it('proxies a request to the origin', async () => {
    expect(urls, 'the gateway started').toBeDefined();
    const res = await fetch(`${urls!.url}/orders/ord_0001`, { headers: { 'API-Version': '2025-06-01' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('api-version')).toBe('2025-06-01');
    expect(((await res.json()) as { id: string }).id).toBe('ord_0001');
  });

  it('exits 0 on SIGTERM, after which the HEALTHCHECK fails', async () => {
    expect(gateway?.child.pid, 'the gateway started').toBeDefined();
    process.kill(gateway!.child.pid!, 'SIGTERM');
    const exit = await Promise.race([gateway!.exited, new Promise((resolve) => setTimeout(resolve, 20_000, 'still running after 20 s'))]);
    expect(exit, gateway!.output()).toEqual({ code: 0, signal: null });

    const health = runtime.healthcheck!;
    const [hcProgram, ...hcArgs] = exec(health.command);
    const result = await processes.run(hcProgram, hcArgs, {
      cwd: hostPath(runtime, '.'),
      env: { ...containerEnv, ADMIN_PORT: new URL(urls!.adminUrl).port },
      ...processUser(runtime.user),
    }, durationMs(health.options.timeout ?? '30s'));
    expect(result.code).not.toBe(0);
  });

  it('kept the usage counts in /app/data, the volume its non-root user can write', async () => {
    expect(runtime.volumes).toEqual(['/app/data']);
    const db = hostPath(runtime, '/app/data/usage.db');
    expect(existsSync(db)).toBe(true);
    // The proxied request above, flushed on SIGTERM, read back with the CLI the image ships.
    const result = await processes.run('node', ['gateway/cli/main.js', 'report', '--by', 'client', '--format', 'json'].map((a) => toHost(runtime, a)), {
      cwd: hostPath(runtime, '.'),
      env: containerEnv,
      ...processUser(runtime.user),
    }, 20_000);
    expect(result.code, result.output).toBe(0);
    expect((JSON.parse(result.output) as { total_requests: number }).total_requests).toBe(1);
  });
});

/** The public and admin URLs the gateway prints on start (text lines, or its JSON log line). */
async function listening(started: Started, timeoutMs: number): Promise<{ url: string; adminUrl: string }> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void started.exited.then(() => (exited = true));
  for (;;) {
    const out = started.output();
    const url = /Verso gateway\s+(http:\/\/\S+)/.exec(out)?.[1] ?? /"url":"(http:[^"]+)"/.exec(out)?.[1];
    const adminUrl = /Admin API\s+(http:\/\/\S+)/.exec(out)?.[1] ?? /"admin_url":"(http:[^"]+)"/.exec(out)?.[1];
    if (url && adminUrl) return { url: reachable(url), adminUrl: reachable(adminUrl) };
    if (exited) throw new Error(`the gateway exited before listening:\n${out}`);
    if (Date.now() > deadline) throw new Error(`the gateway did not report listening within ${timeoutMs} ms:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A wildcard listen address (0.0.0.0 in the example config) is reached over loopback. */
function reachable(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1';
  return u.origin;
}
