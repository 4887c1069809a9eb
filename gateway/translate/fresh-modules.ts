/**
 * The change files' own module loader: every load compiles `versions/` afresh (sucrase strips the
 * TypeScript and turns the imports into `require`, one file at a time, keeping every line where it
 * was, so stack traces name the right line) into a module table that belongs to that load alone.
 *
 * Why not `import()`: Node caches an ES module for the life of the process, so a reload would see
 * the old change files, and a cache-busting URL would keep every earlier copy alive forever (issue
 * 13 measures 1,000 reloads). Here a load's modules are plain functions referenced only by the
 * translator built from them: once a reload swaps that translator out, they are garbage. It is
 * also what lets the CLI run `.ts` changes with no build step, in this repository and in a
 * project that depends on verso.
 *
 * Within one load, relative imports resolve between the files (`./shared.js` finds `shared.ts`, as
 * TypeScript writes it) and each file runs once; `verso` and `verso/testing` are the gateway's own
 * modules, so a change's objects are the ones the engine knows; any other package comes from
 * node_modules through Node's `require`, and is not reloaded. Not supported in a change file:
 * top-level `await`, `import.meta` beyond `.url`, `.dirname` and `.filename`, TypeScript
 * namespaces, and packages that only ship ES modules (Node 20's `require` cannot load them).
 *
 * Why sucrase and not esbuild: esbuild's synchronous API runs in a worker thread whose memory grew
 * by about 16 KB per call and never came back (bench/README.md "Reloads"); sucrase is plain
 * JavaScript, so what a compile allocates is collected like anything else.
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { transform } from 'sucrase';

interface Module { exports: unknown }

/**
 * Each file's last compiled JavaScript, with the hash of the source it came from. A reload
 * recompiles only the files that changed: the module table is still fresh (every file runs again),
 * but the compiler is not called for text it has just compiled, which keeps a reload's cost and memory
 * to what was edited (bench/reloads.mjs).
 */
const compiled = new Map<string, { hash: string; code: string }>();

const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];
const LOADER: Record<string, 'ts' | 'js' | 'json'> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };

/** A module id a change file imports that names verso itself, and what it stands for here. */
export type OwnModules = Record<string, unknown>;

export class FreshModules {
  private readonly loaded = new Map<string, Module>();
  /** Files another file imported (`./shared.js`): helpers of the changes, when they are not changes themselves. */
  readonly imported = new Set<string>();

  constructor(private readonly own: OwnModules) {}

  /** The exports of `file` (absolute), running it and what it imports the first time. */
  load(file: string): unknown {
    const cached = this.loaded.get(file);
    if (cached) return cached.exports;
    const module: Module = { exports: {} };
    // Registered before it runs, so an import cycle sees the partial exports, as in CommonJS.
    this.loaded.set(file, module);
    try {
      const source = readFileSync(file, 'utf8');
      const loader = LOADER[extname(file)] ?? 'js';
      if (loader === 'json') {
        module.exports = JSON.parse(source);
        return module.exports;
      }
      const code = compile(file, source, loader);
      // `new Function` rather than vm: the compiled code is collected with the functions it made.
      const run = new Function('exports', 'require', 'module', '__filename', '__dirname', '__verso_import_meta_url', `${code}\n//# sourceURL=${pathToFileURL(file).href}`) as
        (exports: unknown, require: (id: string) => unknown, module: Module, filename: string, dirname: string, url: string) => void;
      run(module.exports, (id) => this.require(id, file), module, file, dirname(file), pathToFileURL(file).href);
      return module.exports;
    } catch (err) {
      this.loaded.delete(file);
      throw err;
    }
  }

  private require(id: string, from: string): unknown {
    if (Object.hasOwn(this.own, id)) return this.own[id];
    if (id.startsWith('.') || id.startsWith('/')) {
      const file = resolveFile(resolve(dirname(from), id), id, from);
      this.imported.add(file);
      return this.load(file);
    }
    try {
      return createRequire(from)(id);
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.code === 'ERR_REQUIRE_ESM') throw new Error(`imports "${id}", a package that ships only ES modules, which change files cannot import on Node 20`, { cause: err });
      throw err;
    }
  }
}

function compile(file: string, source: string, loader: 'ts' | 'js'): string {
  const hash = createHash('sha256').update(source).update(loader).digest('base64');
  const last = compiled.get(file);
  if (last?.hash === hash) return last.code;
  // import.meta has no meaning outside an ES module: its three properties become the wrapper's arguments.
  const text = source.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_m, key: string) => (key === 'url' ? '__verso_import_meta_url' : `__${key}`));
  const { code } = transform(text, { transforms: loader === 'ts' ? ['typescript', 'imports'] : ['imports'], filePath: file });
  compiled.set(file, { hash, code });
  return code;
}

/** The file a relative import names: as written, with an extension added, `.js` written for `.ts`, or a folder's index. */
function resolveFile(path: string, id: string, from: string): string {
  const stem = path.replace(/\.[mc]?js$/, '');
  const candidates = [path, ...EXTENSIONS.map((ext) => `${path}${ext}`), ...(stem !== path ? ['.ts', '.mts', '.cts'].map((ext) => `${stem}${ext}`) : []), ...EXTENSIONS.map((ext) => resolve(path, `index${ext}`))];
  const found = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  if (!found) throw new Error(`imports "${id}", which is no file beside ${from}`);
  return found;
}
