/**
 * What the per-request log line costs: Verso passthrough at the default info level (one JSON
 * line per request to /dev/null) against the same gateway at warn (no line per request), beside
 * the bare http-proxy baseline.
 *
 *   cd bench && node e2e.mjs --cells experiments/logging.mjs --out results/logging
 */

import { cells as all, versoServer } from '../cells.mjs';

const pick = (name) => all.find((c) => c.name === name);

export const cells = [
  pick('http-proxy'),
  pick('verso'),
  { ...pick('verso'), name: 'verso-warn', label: 'Verso passthrough, log level warn', start: (ctx) => versoServer(ctx, 'fixtures/passthrough.yaml', { BENCH_LOG_LEVEL: 'warn' }) },
];

export const targets = [
  { label: 'Verso (info) / bare http-proxy throughput', kind: 'ratio', cell: 'verso', of: 'http-proxy', metric: 'rps', min: 0.95 },
  { label: 'Verso (warn) / bare http-proxy throughput', kind: 'ratio', cell: 'verso-warn', of: 'http-proxy', metric: 'rps', min: 0.95 },
];
