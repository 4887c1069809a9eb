/**
 * `verso` for the tests, two ways.
 *
 * `verso(args, input)` runs the command line in this process: the same commander program, actions
 * and exit statuses as the binary (gateway/cli/program.ts), with output captured and `input` as
 * stdin. The environment is this process's: `stubCliEnv` sets variables (VERSO_NOW,
 * DEMO_UPSTREAM_URL) for a test file.
 *
 * `spawnVerso(args, options)` runs the binary under tsx as a user does. Each costs a Node and tsx
 * start-up (about a second, more on a busy machine), so it is kept to one smoke test per command
 * (test/cli/smoke.test.ts). `startVerso(configFile)` runs `verso start` as a long-lived process,
 * for the tests of the process itself (signals).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, vi } from 'vitest';
import { runCli } from '../../gateway/cli/program.js';
import { within } from './net.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface CliResult { code: number; stdout: string; stderr: string }

/** `verso ARGS`, in-process, `input` on stdin. Change files are read afresh by every command. */
export async function verso(args: string[], input = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = { out: (text: string) => { stdout += text; }, err: (text: string) => { stderr += text; } };
  const code = await runCli(args, { io, stdin: Readable.from(input === '' ? [] : [input]) });
  return { code, stdout, stderr };
}

/** Environment variables for the in-process commands of one test file, from its first test to its last. */
export function stubCliEnv(vars: Record<string, string>): void {
  beforeAll(() => {
    for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
}

export interface SpawnOptions {
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Added to this process's environment; DEMO_UPSTREAM_URL is empty unless given. */
  env?: Record<string, string>;
  /** Also list the URL of every module the process loaded (test/helpers/load-log.mjs). */
  loads?: boolean;
}

export interface SpawnResult extends CliResult {
  /** With `loads`: every module URL the process loaded, in order. */
  loaded: string[];
}

/** `node --import tsx gateway/cli/main.ts ARGS` from the repository root, as a user runs it. */
export async function spawnVerso(args: string[], options: SpawnOptions = {}): Promise<SpawnResult> {
  const dir = options.loads ? mkdtempSync(join(tmpdir(), 'verso-loads-')) : undefined;
  const logFile = dir && join(dir, 'loads.txt');
  try {
    const loader = logFile ? ['--import', './test/helpers/load-log.mjs'] : [];
    const result = await new Promise<CliResult>((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', ...loader, 'gateway/cli/main.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, DEMO_UPSTREAM_URL: '', ...options.env, ...(logFile ? { VERSO_LOAD_LOG: logFile } : {}) },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
      child.on('error', fail);
      child.on('close', (code, signal) => done({ code: code ?? (signal ? -1 : 0), stdout, stderr }));
      child.stdin.end(options.input ?? '');
    });
    const loaded = logFile ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
    return { ...result, loaded };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

export interface RunningVerso {
  child: ChildProcess;
  url: string;
  adminUrl: string;
  /** Everything it has written to stdout and stderr so far. */
  output(): string;
  exit: Promise<number | null>;
}

/** `verso start --config FILE [ARGS]` as a real child process; resolves once it has printed both listener URLs. */
export async function startVerso(configFile: string, args: string[] = []): Promise<RunningVerso> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/cli/main.ts', 'start', '--config', configFile, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const urls = await within(20_000, new Promise<{ url: string; adminUrl: string }>((resolve, reject) => {
    const look = () => {
      const url = /^Verso gateway\s+(http:\/\/\S+)/m.exec(output)?.[1];
      const adminUrl = /^Admin API\s+(http:\/\/\S+)/m.exec(output)?.[1];
      if (url && adminUrl) resolve({ url, adminUrl });
    };
    child.stdout!.on('data', look);
    void exit.then((code) => reject(new Error(`verso start exited with ${code}:\n${output}`)));
  }), 'verso start did not print its URLs');
  return { child, ...urls, output: () => output, exit };
}
