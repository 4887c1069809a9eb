/**
 * Loads `gateway.yaml`: parse, substitute environment references, validate against the schema
 * (every problem at once), run the cross-field checks, and compile into a frozen `GatewayConfig`.
 * Every problem names the file, the line, the key path and what would be valid.
 */

import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import YAML, { LineCounter } from 'yaml';
import { configSchema } from './schema.js';
import { substituteEnv } from './env.js';
import { crossFieldChecks } from './checks.js';
import { compileConfig } from './compile.js';
import type { ConfigProblem, GatewayConfig, KeyPath, RawConfig } from './types.js';

export type { ConfigProblem, KeyPath };

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = ajvFormats.default as unknown as (ajv: Ajv) => Ajv;

/** Thrown when a config cannot be used; `problems` holds every mistake found, not just the first. */
export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: ConfigProblem[]) {
    super(`${file}: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}:\n` +
      problems.map((p) => `  - ${formatProblem(file, p)}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `versions[1].sunset` from `['versions', 1, 'sunset']`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out || '(top level)';
}

export function formatProblem(file: string, problem: ConfigProblem): string {
  const where = problem.line ? `${file}:${problem.line}` : file;
  return `${where} ${formatKeyPath(problem.path)}: ${problem.message}`;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(configSchema);

export interface LoadOptions { env?: NodeJS.ProcessEnv }

/** Read and compile a config file, or throw `ConfigError` listing every problem. */
export function loadConfigFile(file: string, options: LoadOptions = {}): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: [], message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  }
  return loadConfigText(text, file, options);
}

/** Compile config text; `file` is used in messages only. */
export function loadConfigText(text: string, file: string, options: LoadOptions = {}): GatewayConfig {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const lineOf = (path: KeyPath): number | undefined => {
    for (let end = path.length; end >= 0; end--) {
      const node = end === 0 ? doc.contents : doc.getIn(path.slice(0, end), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    return undefined;
  };
  const withLines = (problems: ConfigProblem[]) => problems.map((p) => ({ ...p, line: p.line ?? lineOf(p.path) }));

  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => ({
      path: [],
      message: `not valid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      line: e.linePos?.[0]?.line,
    })));
  }
  const parsed: unknown = doc.toJS();
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(file, [{ path: [], message: 'must be a YAML mapping with keys such as versions, upstreams and routes' }]);
  }

  const envProblems: ConfigProblem[] = [];
  const raw = substituteEnv(parsed, options.env ?? process.env, envProblems);
  if (envProblems.length > 0) throw new ConfigError(file, withLines(envProblems));

  // Every problem at once: the cross-field checks run on whatever the schema found valid too, and
  // a cross-field problem about a key the schema already reported is left out.
  const valid = validate(raw);
  const shape = valid ? [] : schemaProblems(validate.errors ?? []);
  const config = raw as RawConfig;
  const related = (a: KeyPath, b: KeyPath) => a.slice(0, Math.min(a.length, b.length)).every((key, i) => key === b[i]);
  const cross = crossFieldChecks(config, !valid).filter((p) => !shape.some((s) => related(s.path, p.path)));
  const problems = [...shape, ...cross];
  if (problems.length > 0) throw new ConfigError(file, withLines(problems));

  return deepFreeze(compileConfig(config, resolvePath(file)));
}

function pointerToPath(pointer: string): KeyPath {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((part) => {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

/** Turn ajv's errors into one message per mistake, saying what would be valid. */
function schemaProblems(errors: ErrorObject[]): ConfigProblem[] {
  // An anyOf/oneOf failure also reports each branch's failure; the combined error says it better.
  const combined = new Set(errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath));
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // A key name that fails `propertyNames` is reported by its own check (pattern, …) below.
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    const branchOfCombined = error.keyword !== 'anyOf' && error.keyword !== 'oneOf' &&
      [...combined].some((p) => error.instancePath === p || error.instancePath.startsWith(`${p}/`)) &&
      /\/(anyOf|oneOf)\//.test(error.schemaPath);
    if (branchOfCombined) continue;
    const problem = describe(error);
    const key = `${formatKeyPath(problem.path)}|${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

/** Keys whose values are secrets: a problem says what is wrong with them, never what they are. */
const SECRET = /token|secret|salt|password|passphrase|postgres|dsn|key$/i;
const URL_WITH_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function gotValue(value: unknown): string {
  return `got ${JSON.stringify(value)}`;
}

function describe(error: ErrorObject): ConfigProblem {
  const path = pointerToPath(error.instancePath);
  const expected = (error.parentSchema as { description?: string } | undefined)?.description;
  const secret = path.some((key) => typeof key === 'string' && SECRET.test(key));
  const got = (value: unknown) => {
    if (!secret) return gotValue(value);
    // A connection URL is shown with its password masked: the scheme and host are what go wrong.
    if (typeof value === 'string' && URL_WITH_SCHEME.test(value)) return gotValue(value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@'));
    return `got ${typeof value === 'string' ? `a value of ${value.length} character${value.length === 1 ? '' : 's'}` : `a ${Array.isArray(value) ? 'list' : typeof value}`} (not shown: it is a secret)`;
  };
  switch (error.keyword) {
    case 'required':
      return { path, message: `missing required key "${(error.params as { missingProperty: string }).missingProperty}"` };
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const hint = closest(extra, allowed);
      return {
        path: [...path, extra],
        message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}; valid keys here: ${allowed.join(', ')}`,
      };
    }
    case 'enum':
      return { path, message: `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}; ${got(error.data)}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}; ${got(error.data)}` };
    case 'type':
      return { path, message: `must be ${(error.params as { type: string }).type}${expected ? ` (${expected})` : ''}; ${got(error.data)}` };
    case 'pattern':
      if (error.propertyName !== undefined) {
        const names = (error.parentSchema as { description?: string } | undefined)?.description;
        return { path: [...path, error.propertyName], message: `invalid name; must be ${names ?? `valid (${error.message})`}` };
      }
      return { path, message: `must be ${expected ?? `valid (${error.message})`}; ${got(error.data)}` };
    case 'format':
    case 'anyOf':
    case 'oneOf':
      return { path, message: `must be ${expected ?? `valid (${error.message})`}; ${got(error.data)}` };
    case 'propertyNames':
      return { path: [...path, (error.params as { propertyName: string }).propertyName], message: `invalid name; must be ${expected ?? 'a valid name'}` };
    case 'minItems':
      return { path, message: `must list at least ${(error.params as { limit: number }).limit} item(s)` };
    case 'minProperties':
      return { path, message: expected ? `must be ${expected}; ${got(error.data)}` : `must define at least ${(error.params as { limit: number }).limit} entry` };
    case 'maxProperties':
      return { path, message: `must be ${expected ?? `at most ${(error.params as { limit: number }).limit} entries`}; ${got(error.data)}` };
    case 'uniqueItems':
      return { path, message: `must not repeat an item; ${got(error.data)}` };
    default:
      return { path, message: `${error.message ?? 'is invalid'}; ${got(error.data)}` };
  }
}

/** The allowed key within edit distance 2 of a typo, for "did you mean". */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (value instanceof Map) for (const v of value.values()) deepFreeze(v);
    else for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
