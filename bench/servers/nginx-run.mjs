/**
 * Runs nginx (argv after this script) as a child and ties its life to this process, which the
 * watchdog ties to the harness: on SIGTERM (sent by the harness, or by the watchdog when the
 * harness is gone or the deadline passes) nginx gets SIGTERM (fast shutdown) and this exits with it.
 */

import { spawn } from 'node:child_process';

const [bin, ...args] = process.argv.slice(2);
const nginx = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
nginx.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => nginx.kill('SIGTERM'));
