/**
 * What e2e.mjs and profile.mjs share: how to start Verso (compiled or through tsx), the origin,
 * and one cell, each checked with a real request before it is measured.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEADERS, PATH } from '../cells.mjs';
import { freePort, launch, processTree, waitReady } from './processes.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH = fileURLToPath(new URL('../', import.meta.url));
export const CORES = { load: 0, proxy: 1 };

/** How to start Verso: the compiled CLI (preferred) or the TypeScript sources through tsx. */
export function versoBuild(mode, log) {
  const dist = join(ROOT, 'dist/gateway/cli/main.js');
  if (mode === 'dist' && existsSync(dist)) {
    const stale = staleSources(join(ROOT, 'gateway'), join(ROOT, 'dist/gateway'));
    if (stale.length > 0) log(`WARNING: dist/ is older than ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ' …' : ''}: run \`npm run build\` at the root.`);
    const note = stale.length > 0 ? `, STALE: older than ${stale.length} file(s) in gateway/` : '';
    return { mode: `dist (compiled, node dist/gateway/cli/main.js${note})`, cli: dist, nodeArgs: [] };
  }
  if (mode === 'dist') log('WARNING: dist/gateway/cli/main.js not found (run `npm run build` at the root); falling back to tsx.');
  return { mode: 'tsx (node --import tsx gateway/cli/main.ts)', cli: join(ROOT, 'gateway/cli/main.ts'), nodeArgs: ['--import', import.meta.resolve('tsx')] };
}

function staleSources(src, out) {
  const stale = [];
  for (const entry of readdirSync(src, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    const built = join(out, relative(src, file)).replace(/\.ts$/, '.js');
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(file).mtimeMs) stale.push(relative(ROOT, file));
  }
  return stale;
}

export function gitRevision() {
  try {
    const rev = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', 'gateway'], { encoding: 'utf8' }).trim();
    return dirty ? `${rev} (gateway/ modified)` : rev;
  } catch {
    return 'unknown';
  }
}

/** 1-minute load average: anything well above 0 before the run means someone else is busy. */
export function loadAverage() {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

export async function startOrigin(started) {
  const port = await freePort();
  const proc = launch({ name: 'origin', core: CORES.load, cmd: process.execPath, node: true, args: [join(BENCH, 'servers/origin.mjs')], env: { BENCH_PORT: String(port) } });
  started.push(proc);
  const origin = { port, url: `http://127.0.0.1:${port}` };
  await waitReady(proc, origin.url + PATH, HEADERS);
  return origin;
}

/**
 * Start one cell and check it answers 200 (and its own `check`). Resolves to the cell with
 * { url, proc, pids }, or throws; `started` collects processes to stop.
 */
export async function startCell(cell, ctx, started) {
  const server = await cell.start(ctx);
  if (server.proc) started.push(server.proc);
  const res = await waitReady(server.proc, server.url + (cell.path ?? PATH), cell.headers ?? HEADERS);
  const problem = res.status !== 200 ? `answered ${res.status}: ${res.body.toString().slice(0, 200)}` : cell.check?.(res);
  if (problem) {
    await server.proc?.stop();
    throw new Error(problem);
  }
  const tree = server.proc ? processTree(server.proc.pid) : [];
  return { ...cell, ...server, pids: server.proc?.wrapper ? tree.slice(1) : tree };
}
