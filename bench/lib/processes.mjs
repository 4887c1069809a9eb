/**
 * Child processes of the benchmark: launch pinned to a core, wait until they answer, measure the
 * CPU time and memory of a process tree from /proc, and stop them. Every server is its own process
 * so its CPU time can be read from the outside, the same way for Node and for nginx.
 */

import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const WATCHDOG = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));

/** Whether a command can be run (found on PATH and exits 0 for the given probe arguments). */
export function commandWorks(cmd, args = ['--version']) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pinning needs taskset and at least two cores: load generator + origin on 0, proxy on 1. */
export const PINNING = os.availableParallelism() >= 2 && commandWorks('taskset', ['-c', '0', 'true']);

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

let niceness = 0;

/**
 * Run every benchmark process at this niceness (negative needs root): on a machine shared with
 * other work, `-10` gives the benchmark precedence. 0, the default, leaves priorities alone.
 */
export function setNiceness(n) {
  niceness = n;
  if (n !== 0) os.setPriority(n);
}

/** [file, args] that run `cmd args` pinned to `core` at the configured niceness. */
export function pinnedCommand(core, cmd, args) {
  const nice = niceness !== 0 ? ['nice', '-n', String(niceness)] : [];
  const pin = PINNING ? ['taskset', '-c', String(core)] : [];
  // BENCH_NO_ASLR=1: start every process with address-space randomisation off (setarch -R).
  const fixed = process.env.BENCH_NO_ASLR ? ['setarch', os.arch() === 'x64' ? 'x86_64' : os.arch(), '-R'] : [];
  const all = [...pin, ...nice, ...fixed, cmd, ...args];
  return [all[0], all.slice(1)];
}

/** Pin the harness itself (all its threads) to a core, so it never steals the proxy's core. */
export function pinSelf(core) {
  if (PINNING) execFileSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Start `cmd args` on `core`. Node children get the watchdog preloaded and an IPC lifeline; stdout
 * goes to /dev/null (`'ignore'`) unless told otherwise; the last few KB of stderr are kept for
 * error messages. `wrapper: true` says the process only minds the real server, its child: it is
 * left out of the measurements.
 */
export function launch({ name, core, cmd, args = [], env = {}, node = false, stdout = 'ignore', wrapper = false }) {
  const argv = node ? ['--import', WATCHDOG, ...args] : args;
  const [file, fileArgs] = pinnedCommand(core, cmd, argv);
  const child = spawn(file, fileArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'pipe', ...(node ? ['ipc'] : [])],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4096);
  });
  live.add(child);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    live.delete(child);
    resolve({ code, signal });
  }));
  return {
    name,
    pid: child.pid,
    wrapper,
    exited,
    stderr: () => stderr,
    /** SIGTERM, then SIGKILL if it has not gone after `graceMs`. */
    async stop(graceMs = 5_000) {
      if (!live.has(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A free TCP port on 127.0.0.1 (bound and released: the child binds it a moment later). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** One GET; resolves to { status, headers, body }. */
export function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.setTimeout(2_000, () => req.destroy(new Error('timed out')));
  });
}

/** Poll `url` until it answers (any status), or fail with the process's stderr if it died. */
export async function waitReady(proc, url, headers, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  proc?.exited.then(() => { dead = true; });
  for (;;) {
    if (dead) throw new Error(`${proc.name} exited before answering:\n${proc.stderr()}`);
    try {
      return await get(url, headers);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms (${err.message})${proc ? `:\n${proc.stderr()}` : ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** `pid` and every process below it (nginx: timeout → master → worker). */
export function processTree(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (!stat) continue;
    const ppid = Number(stat[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const out = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift();
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Fields of /proc/PID/stat after the command name: [state, ppid, …]; undefined if gone. */
function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User + system CPU time of the processes, all threads, in microseconds. */
export function cpuMicros(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) ticks += Number(stat[11]) + Number(stat[12]); // utime, stime (fields 14, 15)
  }
  return (ticks * 1e6) / CLK_TCK;
}

/**
 * Time the processes' main threads (the event loop; nginx: each process) spent runnable but
 * waiting for a CPU (/proc/PID/schedstat, second field, ns), in microseconds: high when something
 * else runs on the proxy's core.
 */
export function runQueueMicros(pids) {
  let ns = 0;
  for (const pid of pids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      // gone, or no schedstats in this kernel
    }
  }
  return ns / 1000;
}

/** Resident set size of the processes, in bytes. */
export function rssBytes(pids) {
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) kb += Number(match[1]);
    } catch {
      // gone
    }
  }
  return kb * 1024;
}

/** Sample RSS every `everyMs` until stopped; `stop()` returns the maximum seen. */
export function sampleRss(pids, everyMs = 100) {
  let max = rssBytes(pids);
  const timer = setInterval(() => {
    max = Math.max(max, rssBytes(pids));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, rssBytes(pids));
    },
  };
}
