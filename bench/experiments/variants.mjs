/**
 * Patched copies of the gateway, each measured like the `verso` cell: for working out what a part
 * of the request path costs before changing it. Each directory under $VERSO_VARIANTS (default
 * /tmp/verso-variants) holds a copy of the build (`dist/`, `package.json`, a `node_modules` link
 * to the root's) with one thing changed; it becomes the cell `v-<directory>`.
 *
 *   mkdir -p /tmp/verso-variants/no-log && cp -r ../dist ../package.json /tmp/verso-variants/no-log/
 *   ln -s "$PWD/../node_modules" /tmp/verso-variants/no-log/node_modules   # then patch the copy
 *   node paired.mjs v-no-log http-proxy --cells experiments/variants.mjs --pairs 4 --rounds 1 --duration 10
 *
 * Each variant is also the cell `v-<directory>-tlist`: the translated 20 KB list (the
 * verso-translated-list cell) on that build.
 */

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cells as all, versoServer } from '../cells.mjs';

const root = process.env.VERSO_VARIANTS ?? '/tmp/verso-variants';
const pick = (name) => all.find((c) => c.name === name);
const verso = pick('verso');
const translatedList = pick('verso-translated-list');

const variants = existsSync(root) ? readdirSync(root).filter((d) => existsSync(join(root, d, 'dist/gateway/cli/main.js'))) : [];

/** `cell` run on the variant build in directory `d`, under `fixture`. */
function variant(d, cell, name, label, fixture) {
  return {
    ...cell,
    name,
    label,
    // A variant that no longer answers like Verso (a NOCHECK file in its directory) skips the check.
    check: existsSync(join(root, d, 'NOCHECK')) ? undefined : cell.check,
    start: (ctx) => versoServer({ ...ctx, verso: { ...ctx.verso, cli: join(root, d, 'dist/gateway/cli/main.js') } }, fixture),
  };
}

export const cells = [
  ...all,
  ...(await import('./baselines.mjs')).cells.filter((c) => c.name.startsWith('reply-from-route')),
  ...variants.flatMap((d) => [
    variant(d, verso, `v-${d}`, `Verso passthrough, variant ${d}`, 'fixtures/passthrough.yaml'),
    variant(d, translatedList, `v-${d}-tlist`, `Verso translated 20 KB list, variant ${d}`, 'fixtures/translated.yaml'),
  ]),
];

export const targets = [];
