/**
 * Replays a parsed Dockerfile stage on the host, instruction by instruction, inside a temp
 * directory that stands in for the stage's filesystem root: WORKDIR makes the directory, COPY
 * copies from the build context (honouring .dockerignore) or from an earlier stage's root, RUN
 * runs the command as written (`/bin/sh -c` for the plain form) in the work directory with the
 * stage's ENV, and USER, EXPOSE, HEALTHCHECK and CMD are recorded for the caller to act on.
 * The base image itself is not reproduced: the host's `node` and `npm` stand in for it.
 */

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, delimiter, dirname, join, posix, relative, sep } from 'node:path';
import type { Command, Instruction, Stage } from './dockerfile.js';

export interface ReplayedStage {
  stage: Stage;
  /** Host directory standing in for the stage's `/`. */
  root: string;
  /** Current WORKDIR, as a container path. */
  workdir: string;
  /** ENV so far, as container values. */
  env: Record<string, string>;
  user?: string;
  exposed: string[];
  /** VOLUME mount points, as container paths. */
  volumes: string[];
  healthcheck?: Extract<Instruction, { kind: 'HEALTHCHECK' }>;
  cmd?: Command;
  /** Every RUN, in order, and whether it ran as written or was replaced by the caller. */
  runs: { script: string; replaced: boolean }[];
}

export interface ReplayOptions {
  /** The build context (the repository). */
  context: string;
  /** The build context's .dockerignore as a predicate on context-relative paths. */
  ignored(path: string): boolean;
  /** Empty host directory to use as the stage's `/`. */
  root: string;
  /** Earlier stages, by name, for `COPY --from`. */
  earlier: Map<string, ReplayedStage>;
  /** What the base image would provide to RUN besides the stage's ENV (PATH, HOME, npm settings). */
  baseEnv: Record<string, string>;
  processes: Processes;
  /** Upper bound for each RUN. */
  runTimeoutMs: number;
  /**
   * RUN commands (by exact script) the caller does itself instead, e.g. the build stage's slow
   * `npm ci`, which the test replaces with the repository's installed node_modules.
   */
  replace?: Record<string, (stage: ReplayedStage) => void>;
}

/** Where a container path of this stage lives on the host. */
export function hostPath(stage: ReplayedStage, containerPath: string): string {
  const absolute = posix.resolve(stage.workdir, containerPath);
  return join(stage.root, ...absolute.split('/').filter(Boolean));
}

/**
 * An argument or ENV value as the process sees the container's filesystem: an absolute path that
 * exists in the stage's root is rewritten to its host location; anything else is left alone.
 */
export function toHost(stage: ReplayedStage, value: string): string {
  return value.startsWith('/') && existsSync(hostPath(stage, value)) ? hostPath(stage, value) : value;
}

/** The stage's ENV with container paths rewritten, for processes started on the host. */
export function hostEnv(stage: ReplayedStage): Record<string, string> {
  return Object.fromEntries(Object.entries(stage.env).map(([k, v]) => [k, toHost(stage, v)]));
}

export async function replayStage(stage: Stage, options: ReplayOptions): Promise<ReplayedStage> {
  const state: ReplayedStage = { stage, root: options.root, workdir: '/', env: {}, exposed: [], volumes: [], runs: [] };
  for (const instruction of stage.instructions) {
    const where = `Dockerfile:${instruction.line} (stage ${stage.name})`;
    switch (instruction.kind) {
      case 'WORKDIR':
        state.workdir = posix.resolve(state.workdir, instruction.path);
        mkdirSync(hostPath(state, '.'), { recursive: true });
        break;
      case 'ENV':
        for (const [name, value] of instruction.vars) state.env[name] = value;
        break;
      case 'COPY':
        copy(instruction, state, options, where);
        break;
      case 'RUN':
        await run(instruction.command, state, options, where);
        break;
      case 'USER':
        state.user = instruction.user;
        break;
      case 'EXPOSE':
        state.exposed.push(...instruction.ports);
        break;
      case 'VOLUME':
        // Docker seeds a new volume from the image's directory (owner included); the replay
        // simply keeps using that directory.
        state.volumes.push(...instruction.paths);
        break;
      case 'HEALTHCHECK':
        state.healthcheck = instruction;
        break;
      case 'CMD':
        state.cmd = instruction.command;
        break;
    }
  }
  return state;
}

/**
 * Docker's COPY rules: a directory source copies its contents; several sources, or a destination
 * ending in `/` or naming an existing directory, go into that directory; otherwise a file source
 * becomes the destination file. A source that is missing or excluded by .dockerignore fails.
 */
function copy(instruction: Extract<Instruction, { kind: 'COPY' }>, state: ReplayedStage, options: ReplayOptions, where: string): void {
  const fromStage = instruction.from === undefined ? undefined : options.earlier.get(instruction.from);
  if (instruction.from !== undefined && !fromStage) throw new Error(`${where}: COPY --from=${instruction.from}: no such earlier stage`);
  const dest = hostPath(state, instruction.dest);
  const intoDirectory =
    instruction.sources.length > 1 || instruction.dest.endsWith('/') || (existsSync(dest) && statSync(dest).isDirectory());

  for (const source of instruction.sources) {
    let from: string;
    let filter: ((path: string) => boolean) | undefined;
    if (fromStage) {
      from = hostPath({ ...fromStage, workdir: '/' }, source);
    } else {
      const rel = posix.normalize(source).replace(/^(\.\/)+|^\/+/, '');
      if (rel.startsWith('..')) throw new Error(`${where}: ${source} is outside the build context`);
      if (rel !== '.' && options.ignored(rel)) throw new Error(`${where}: ${source} is excluded by .dockerignore, so docker build would not find it`);
      from = rel === '.' ? options.context : join(options.context, ...rel.split('/'));
      filter = (path) => {
        const inContext = relative(options.context, path).split(sep).join('/');
        return inContext === '' || !options.ignored(inContext);
      };
    }
    if (!existsSync(from)) throw new Error(`${where}: COPY source ${source} not found`);
    if (statSync(from).isDirectory()) {
      cpSync(from, dest, { recursive: true, filter });
    } else {
      const target = intoDirectory ? join(dest, basename(from)) : dest;
      mkdirSync(dirname(target), { recursive: true });
      cpSync(from, target);
    }
  }
}

async function run(command: Command, state: ReplayedStage, options: ReplayOptions, where: string): Promise<void> {
  const script = command.form === 'shell' ? command.script : command.args.join(' ');
  const replacement = options.replace?.[script];
  state.runs.push({ script, replaced: replacement !== undefined });
  if (replacement) {
    replacement(state);
    return;
  }
  const [file, args] = command.form === 'shell' ? ['/bin/sh', ['-c', command.script]] : [command.args[0], command.args.slice(1)];
  const env = { ...options.baseEnv, ...hostEnv(state) };
  env.PATH = `${imageUsersShim(state)}${delimiter}${env.PATH ?? ''}`;
  const result = await options.processes.run(file, args, { cwd: hostPath(state, '.'), env }, options.runTimeoutMs);
  if (result.code !== 0) {
    throw new Error(`${where}: RUN ${script} exited ${result.code ?? result.signal}:\n${result.output}`);
  }
}

/**
 * The base image has users the host may not (node:*-slim has `node`). RUN sees a `chown` that
 * maps such a name to the ids `processUser` gives the process started "as USER", so a directory
 * the Dockerfile hands to its user is writable by the replayed process, as it is in the image.
 */
const IMAGE_USERS = ['node'];

function imageUsersShim(state: ReplayedStage): string {
  const dir = join(state.root, '.replay-bin');
  const shim = join(dir, 'chown');
  if (existsSync(shim)) return dir;
  mkdirSync(dir, { recursive: true });
  const ids = Object.fromEntries(IMAGE_USERS.map((name) => {
    const user = processUser(name);
    return [name, user ? [user.uid, user.gid] : [process.getuid?.() ?? 0, process.getgid?.() ?? 0]];
  }));
  writeFileSync(shim, `#!${process.execPath}
const ids = ${JSON.stringify(ids)};
const args = process.argv.slice(2).map((a) => {
  const [u, g] = a.split(':');
  if (!(u in ids)) return a;
  return g === undefined ? String(ids[u][0]) : ids[u][0] + ':' + (g in ids ? ids[g][1] : g);
});
const r = require('node:child_process').spawnSync('chown', args, { stdio: 'inherit', env: { ...process.env, PATH: process.env.PATH.split(':').filter((p) => p !== ${JSON.stringify(dir)}).join(':') } });
process.exit(r.status ?? 1);
`, { mode: 0o755 });
  return dir;
}

export interface Started {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Child processes the test starts, each in its own process group so that a shell and what it
 * started can be killed together; whatever is still running when the test ends, or when the
 * worker exits, is killed.
 */
export class Processes {
  readonly #running = new Set<ChildProcess>();
  readonly #onExit = () => this.killAll();

  constructor() {
    process.once('exit', this.#onExit);
  }

  start(file: string, args: string[], options: SpawnOptions): Started {
    const child = spawn(file, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#running.add(child);
    let output = '';
    const append = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('error', (err) => {
        output += `\n${err.stack ?? String(err)}`;
        this.#running.delete(child);
        resolve({ code: null, signal: null });
      });
      child.once('close', (code, signal) => {
        this.#running.delete(child);
        resolve({ code, signal });
      });
    });
    return { child, output: () => output, exited };
  }

  /** Run to completion; killed (group and all) after `timeoutMs`. */
  async run(file: string, args: string[], options: SpawnOptions, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
    const started = this.start(file, args, options);
    const timer = setTimeout(() => {
      killGroup(started.child);
    }, timeoutMs);
    try {
      const { code, signal } = await started.exited;
      return { code, signal, output: started.output() };
    } finally {
      clearTimeout(timer);
    }
  }

  killAll(): void {
    for (const child of this.#running) killGroup(child);
    this.#running.clear();
  }

  dispose(): void {
    this.killAll();
    process.off('exit', this.#onExit);
  }
}

function killGroup(child: ChildProcess): void {
  // The group may outlive its leader (a shell's children), so it is killed whatever the leader did.
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * The uid/gid a process started "as USER" runs with. When the test runs as root (CI does), the
 * image's user is taken from the host's /etc/passwd if it exists there, else `nobody`, so the
 * process really cannot write the root-owned files the stage copied; otherwise the test's own
 * (already unprivileged) user.
 */
export function processUser(user: string | undefined): { uid: number; gid: number } | undefined {
  if (user === undefined || process.getuid?.() !== 0) return undefined;
  const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '';
  const entry = passwd.split('\n').map((l) => l.split(':')).find((f) => f[0] === user || f[2] === user);
  if (entry) return { uid: Number(entry[2]), gid: Number(entry[3]) };
  return { uid: 65534, gid: 65534 };
}
