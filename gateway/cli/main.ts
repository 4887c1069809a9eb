#!/usr/bin/env node
/** The `verso` binary: the command line (program.ts) on this process's arguments, streams and exit status. */

import { runCli } from './program.js';

const status = await runCli(process.argv.slice(2));
// A failure exits at once, whatever the command left open (a store connection, a half-started
// listener). Success exits when nothing is left to do; `verso start` keeps running on its listeners.
if (status !== 0) process.exit(status);
