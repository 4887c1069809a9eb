/**
 * `node --import tsx --import ./test/helpers/load-log.mjs …` appends the URL of every module the
 * process loads, one a line, to the file named by VERSO_LOAD_LOG: how test/cli/smoke.test.ts sees
 * what a command loads. The hooks run on Node's loader thread, where this same file is loaded
 * again to serve them.
 */

import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url, { data: process.env.VERSO_LOAD_LOG });

let logFile;

export function initialize(file) {
  logFile = file;
}

export async function load(url, context, nextLoad) {
  if (logFile) appendFileSync(logFile, `${url}\n`);
  return nextLoad(url, context);
}
