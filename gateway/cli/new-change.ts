/**
 * `verso new-change NAME --version V`: scaffold `versions/V/NAME.ts` and its test
 * `test/versions/V/NAME.test.ts` (the layout the demo's change tests use; both below the config
 * file's folder), then say what to do next. Writes nothing unless both files can be created.
 */

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { loadConfigFile } from '../config/load.js';
import { VersionCatalog } from '../resolve/catalog.js';
import type { GatewayConfig } from '../config/types.js';
import { changeTemplate, changeTestTemplate, camelCase, KEBAB_CASE, placeholderSample, sampleResponse, toKebabCase, type Sample } from '../translate/generate/scaffold.js';
import { loadSpec, type OpenApiDocument } from '../translate/spec.js';
import { loadTranslator } from '../translate/translator.js';
import { stdio, USAGE, type Io } from './io.js';
import { supportedVersions } from './version-arg.js';

export interface NewChangeOptions { config: string; version: string }

/** A path as the user should read it: relative to where they are, when it is below it. */
function shown(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/**
 * The response the test starts from: an example of the version's own document and what the
 * previous version's clients get of it today. When the changes do not load (`verso check` says
 * why), an operation of the head spec and empty bodies.
 */
async function sample(config: GatewayConfig, version: string, previous: string): Promise<Sample> {
  try {
    const translator = await loadTranslator(config);
    const found = translator && sampleResponse(translator.model, version, previous);
    if (found) return found;
  } catch {
    // Fall through to the head spec alone.
  }
  let head: OpenApiDocument | undefined;
  try {
    head = await loadSpec(resolve(dirname(resolve(config.file)), config.translation!.spec));
  } catch {
    // A placeholder operation, then.
  }
  return placeholderSample(head);
}

export async function newChangeCommand(name: string, options: NewChangeOptions, io: Io = stdio): Promise<number> {
  const refuse = (message: string) => { io.err(`verso new-change: ${message}\n`); return USAGE; };
  if (!KEBAB_CASE.test(name)) {
    const suggestion = toKebabCase(name);
    return refuse(`NAME "${name}" must be kebab-case (lowercase letters and digits in words joined by single hyphens, starting with a letter)${suggestion && KEBAB_CASE.test(suggestion) ? `, such as "${suggestion}"` : ''}`);
  }
  const config = loadConfigFile(options.config);
  if (!config.translation) return refuse(`${options.config} has no translation section (translation.spec and translation.changes), so there is no versions/ folder to add a change to`);
  // Exactly an id or alias: a date is not rounded down here, a change belongs to one named version.
  const catalog = new VersionCatalog(config.versions);
  const found = catalog.get(options.version) ?? catalog.get(options.version.toLowerCase());
  if (!found) return refuse(`unknown version "${options.version}"; supported versions: ${supportedVersions(config.versions)}`);
  if (found.index === 0) {
    return refuse(`${found.id} is the oldest version, which carries no changes (a change says what a version changed compared with the one before it); choose one of ${supportedVersions(config.versions.slice(1))}`);
  }

  const root = dirname(resolve(config.file));
  const changeFile = join(resolve(root, config.translation.changes), found.id, `${name}.ts`);
  const testFile = join(root, 'test', 'versions', found.id, `${name}.test.ts`);
  for (const file of [changeFile, testFile]) {
    if (existsSync(file)) return refuse(`${shown(file)} already exists; choose another name or edit that file`);
  }

  const previous = config.versions[found.index - 1].id;
  const input = {
    name,
    version: found.id,
    previous,
    // A project imports verso by its package name, never by a path into it.
    authoringImport: 'verso',
    testingImport: 'verso/testing',
    sample: await sample(config, found.id, previous),
  };
  mkdirSync(dirname(changeFile), { recursive: true });
  mkdirSync(dirname(testFile), { recursive: true });
  // `wx`: never overwrite, even if the file appeared since the check above.
  writeFileSync(changeFile, changeTemplate(input), { flag: 'wx' });
  writeFileSync(testFile, changeTestTemplate(input), { flag: 'wx' });

  // The bundle's own index, whichever extension it has (bundle.ts looks for the same ones).
  const changesDir = resolve(root, config.translation.changes);
  const indexFile = ['index.js', 'index.mjs', 'index.ts', 'index.mts'].map((f) => join(changesDir, f)).find((f) => existsSync(f)) ?? join(changesDir, 'index.ts');
  const ident = camelCase(name);
  io.out([
    `Created ${shown(changeFile)}`,
    `Created ${shown(testFile)}`,
    '',
    'Next:',
    `  1. Write the description and the instructions in ${shown(changeFile)}.`,
    `  2. List the change under ${found.id} in ${shown(indexFile)}:`,
    `       import ${ident} from './${found.id}/${name}.js';`,
    `       version('${found.id}', …, ${ident}),`,
    `  3. In ${shown(testFile)}, make \`expected\` what ${previous} clients must get; run: npx vitest run ${shown(testFile)}`,
    `  4. Run: verso check --config ${options.config}`,
    '',
  ].join('\n'));
  return 0;
}
