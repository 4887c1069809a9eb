/**
 * Preloaded (`node --import`) into every Node child of the benchmark so that no server outlives
 * its run: the child stops when the harness goes away (IPC channel closed, even on SIGKILL) and,
 * whatever happens, after BENCH_DEADLINE_MS. It sends itself SIGTERM, so a server that shuts down
 * gracefully on SIGTERM (the Verso CLI does) still does; a second timer forces the exit.
 */

import cluster from 'node:cluster';

const deadline = Number(process.env.BENCH_DEADLINE_MS ?? 20 * 60_000);

function stop() {
  setTimeout(() => process.exit(3), 5_000).unref();
  process.kill(process.pid, 'SIGTERM');
}

// A cluster worker's channel is its primary's, which the worker needs to listen: it is not the
// harness's lifeline, and unreferencing it would let the worker exit before it listens.
if (process.channel && !cluster.isWorker) {
  // The channel is only a lifeline: it must not keep the process alive on its own.
  process.channel.unref();
  process.on('disconnect', stop);
}
setTimeout(stop, deadline).unref();

// profile.mjs: exit on SIGTERM even where nothing handles it, so --cpu-prof writes its profile.
if (process.env.BENCH_EXIT_ON_SIGTERM) process.once('SIGTERM', () => setTimeout(() => process.exit(0), 200));
