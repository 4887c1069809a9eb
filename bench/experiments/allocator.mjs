/**
 * What the image's allocator settings cost on the request path: Verso passthrough and translated
 * with `GLIBC_TUNABLES` as the Dockerfile sets it (two malloc arenas, fixed mmap and trim thresholds,
 * which keep glibc from holding on to memory freed by reloads; bench/README.md "Reloads") against
 * the same gateways with glibc's defaults.
 *
 *   cd bench && node paired.mjs verso-allocator verso --cells experiments/allocator.mjs --pairs 4 --rounds 1 --duration 8
 */

import { cells as all, versoServer } from '../cells.mjs';
import { IMAGE_TUNABLES } from '../lib/allocator.mjs';

const pick = (name) => all.find((c) => c.name === name);

export const cells = [
  ...all,
  { ...pick('verso'), name: 'verso-allocator', label: "Verso passthrough, the image's GLIBC_TUNABLES", start: (ctx) => versoServer(ctx, 'fixtures/passthrough.yaml', { GLIBC_TUNABLES: IMAGE_TUNABLES }) },
  { ...pick('verso-translated-list'), name: 'verso-translated-list-allocator', label: "Verso translated 20 KB list, the image's GLIBC_TUNABLES", start: (ctx) => versoServer(ctx, 'fixtures/translated.yaml', { GLIBC_TUNABLES: IMAGE_TUNABLES }) },
];

export const targets = [];
