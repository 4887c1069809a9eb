/**
 * Loads `versions/`: the bundle (`index.ts`/`index.js`, the ordered versions and their changes)
 * and every change file beside it, one change per file; a file the others import that is not a
 * change (a shared helper) is left alone. Each change gets its id from its file
 * (`2025-06-01/order-customer-renamed`), so every start-up error can name the file at fault.
 */

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Change, VersionBundle } from './authoring.js';
import { FreshModules } from './fresh-modules.js';

export interface LoadedChange {
  /** Path of the file below `versions/`, without extension. */
  id: string;
  file: string;
  version: string;
  change: Change;
}

export interface LoadedBundle {
  dir: string;
  indexFile: string;
  /** Newest first, as the bundle lists them. */
  versions: { id: string; changes: LoadedChange[] }[];
}

export interface BundleProblem { file: string; message: string }

/** Thrown when the changes cannot be used; lists every problem with its file. */
export class TranslationError extends Error {
  constructor(readonly problems: BundleProblem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} with the API changes:\n${problems.map((p) => `  - ${p.file}: ${p.message}`).join('\n')}`);
    this.name = 'TranslationError';
  }
}

const SOURCE = /\.(ts|mts|js|mjs)$/;
const SKIP = /(\.d\.ts|\.test\.[mc]?[jt]s|\.spec\.[mc]?[jt]s|\.map)$/;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else if (SOURCE.test(entry) && !SKIP.test(entry)) out.push(path);
  }
  return out.sort();
}

/**
 * A fresh module table for one load (fresh-modules.ts): `.ts` and `.js` changes alike, no build
 * step, and a reload sees the files as they are now. `verso` inside a change file is this gateway.
 */
async function freshModules(): Promise<FreshModules> {
  const [verso, testing] = await Promise.all([import('../index.js'), import('../testing.js')]);
  return new FreshModules({ verso, 'verso/testing': testing });
}

function importDefault(modules: FreshModules, file: string): unknown {
  const exports = modules.load(file) as { default?: unknown; kind?: unknown } | null;
  // A CommonJS change file (`module.exports = change(...)`) has no default export: the module is the change.
  if (exports && typeof exports === 'object' && !('default' in exports)) return exports.kind === undefined ? undefined : exports;
  return exports?.default;
}

/** What a change file exported instead of a change, for the start-up error. */
function describeExport(exported: unknown): string {
  if (exported === undefined) return 'has no default export';
  const kind = (exported as { kind?: unknown } | null)?.kind;
  if (typeof kind === 'string' && kind !== 'verso.bundle') return `exports a bare ${kind} instruction as its default, not a change`;
  if (kind === 'verso.bundle') return 'exports a versions(...) bundle as its default; only index.ts does';
  return `exports ${Array.isArray(exported) ? 'an array' : exported === null ? 'null' : `a ${typeof exported}`} as its default, not a change`;
}

export async function loadBundle(directory: string): Promise<LoadedBundle> {
  const dir = resolve(directory);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new TranslationError([{ file: dir, message: 'is not a directory of changes' }]);
  const indexFile = ['index.js', 'index.mjs', 'index.ts', 'index.mts'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!indexFile) throw new TranslationError([{ file: dir, message: 'has no index.ts or index.js exporting versions(...)' }]);

  const modules = await freshModules();
  const problems: BundleProblem[] = [];
  let bundle: VersionBundle | undefined;
  try {
    const exported = importDefault(modules, indexFile);
    if ((exported as VersionBundle | undefined)?.kind !== 'verso.bundle') problems.push({ file: indexFile, message: 'must `export default versions(version(...), ...)`' });
    else bundle = exported as VersionBundle;
  } catch (err) {
    problems.push({ file: indexFile, message: `cannot be loaded: ${(err as Error).message}` });
  }

  // Every other file is one change; map each change object to the file that defines it.
  const fileOf = new Map<Change, string>();
  for (const file of listFiles(dir)) {
    if (file === indexFile) continue;
    try {
      const exported = importDefault(modules, file);
      if ((exported as Change | undefined)?.kind !== 'verso.change') {
        // A module the changes import (shared helpers, constants) is not a change itself.
        if (modules.imported.has(file)) continue;
        problems.push({ file, message: `${describeExport(exported)}; it must \`export default change({ description, instructions })\`: a file in versions/ holds exactly one change` });
      } else if (typeof (exported as Change).description !== 'string' || (exported as Change).description.trim() === '') {
        problems.push({ file, message: 'the change has no description; it is required (it becomes the changelog entry)' });
        fileOf.set(exported as Change, file);
      } else {
        fileOf.set(exported as Change, file);
      }
    } catch (err) {
      problems.push({ file, message: `cannot be loaded: ${(err as Error).message}` });
    }
  }
  if (!bundle) throw new TranslationError(problems);

  const listed = new Map<Change, string>();
  const versions = bundle.versions.map((entry) => ({
    id: entry.id,
    changes: entry.changes.map((change, i) => {
      const file = fileOf.get(change);
      if (!file) problems.push({ file: indexFile, message: `version ${entry.id} lists change #${i + 1}, which is not the default export of a file in ${dir}` });
      const previous = listed.get(change);
      if (previous) problems.push({ file: file ?? indexFile, message: `the change is listed under both ${previous} and ${entry.id}; a change belongs to one version` });
      listed.set(change, entry.id);
      const path = file ?? `${indexFile}#${entry.id}/${i + 1}`;
      return { id: relative(dir, path).replace(SOURCE, '').split('\\').join('/'), file: path, version: entry.id, change };
    }),
  }));
  for (const [change, file] of fileOf) {
    if (!listed.has(change)) problems.push({ file, message: `defines a change that ${relative(process.cwd(), indexFile)} does not list under any version; add it to the version(...) that introduced it, or delete the file` });
  }
  if (problems.length > 0) throw new TranslationError(problems);
  return { dir, indexFile, versions };
}
