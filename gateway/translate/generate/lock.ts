/**
 * Published contracts, locked (issue 11): `verso lock` writes each version's derived OpenAPI
 * document to `<translation.changes>/lock/<version>.json`, and `verso check` compares every
 * version but the head against its lock. A difference means an edit (to a change, or to the head
 * spec that no change accounts for) altered what clients of an old version get: check fails and
 * says what changed and which changes of the step may have caused it. The head may change freely.
 *
 * What is locked is the contract: the derived document with `info` cut to its title and version,
 * so a lifecycle date (deprecation, sunset: config, not contract) does not count as a change.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { GatewayConfig } from '../../config/types.js';
import { formatKeyPath } from '../../config/load.js';
import type { VersionModel } from '../model.js';
import { versionDocument } from './openapi-out.js';

/** Where the lock files live: `lock/` inside the changes folder (the bundle loader ignores .json). */
export function lockDir(config: GatewayConfig): string {
  return join(resolve(dirname(config.file), config.translation!.changes), 'lock');
}

/** One version's contract as the lock keeps it. */
export function lockedContract(model: VersionModel, version: string, config: GatewayConfig): Record<string, unknown> {
  const doc = versionDocument(model, version, { config }) as unknown as Record<string, unknown> & { info?: { title?: string } };
  return { ...doc, info: { title: doc.info?.title ?? '', version } };
}

/** Write every version's lock file; returns the files written, oldest version first. */
export function writeLock(model: VersionModel, config: GatewayConfig): string[] {
  const dir = lockDir(config);
  mkdirSync(dir, { recursive: true });
  return model.versions.map((version) => {
    const file = join(dir, `${version}.json`);
    writeFileSync(file, `${JSON.stringify(lockedContract(model, version, config), null, 2)}\n`);
    return file;
  });
}

export interface LockDifference { path: (string | number)[]; kind: 'added' | 'removed' | 'changed'; before?: unknown; after?: unknown }

export interface LockComparison {
  /** Whether a lock folder exists at all. */
  locked: boolean;
  /** Versions whose contract matches its lock. */
  unchanged: string[];
  /** Versions (not the head) with no lock file yet: new since the last `verso lock`. */
  unlocked: string[];
  /** One message per version whose contract differs from its lock. */
  failures: string[];
}

/** How many differences a failure lists before it says how many more there are. */
const SHOWN = 8;

export function compareLock(model: VersionModel, config: GatewayConfig): LockComparison {
  const dir = lockDir(config);
  const result: LockComparison = { locked: existsSync(dir), unchanged: [], unlocked: [], failures: [] };
  if (!result.locked) return result;
  const headFile = join(dir, `${model.head}.json`);
  const headChanged = existsSync(headFile) && diff(JSON.parse(readFileSync(headFile, 'utf8')), lockedContract(model, model.head, config)).length > 0;
  // Newest first, so a version knows whether the one above it differs too (then it inherits), and
  // failures are listed newest first: the one that explains the others comes first.
  const changed = new Set<string>();
  const failures: string[] = [];
  for (const version of [...model.versions].reverse()) {
    if (version === model.head) continue;
    const file = join(dir, `${version}.json`);
    if (!existsSync(file)) {
      result.unlocked.unshift(version);
      continue;
    }
    const differences = diff(JSON.parse(readFileSync(file, 'utf8')), lockedContract(model, version, config));
    if (differences.length === 0) {
      result.unchanged.unshift(version);
      continue;
    }
    changed.add(version);
    const lines = differences.slice(0, SHOWN).map((d) => `    ${formatKeyPath(d.path)}: ${describe(d)}`);
    if (differences.length > SHOWN) lines.push(`    … and ${differences.length - SHOWN} more`);
    failures.push(`${file}: the contract of ${version} is not the one locked (${differences.length} difference${differences.length === 1 ? '' : 's'}):\n${lines.join('\n')}\n    ${cause(model, version, differences, headChanged, changed)}`);
  }
  result.failures = failures;
  return result;
}

function describe(d: LockDifference): string {
  const show = (v: unknown) => {
    const text = JSON.stringify(v);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  };
  if (d.kind === 'added') return `added ${show(d.after)}`;
  if (d.kind === 'removed') return `removed (was ${show(d.before)})`;
  return `${show(d.before)} → ${show(d.after)}`;
}

/**
 * Which changes may have made the difference: a version's contract is the next newer one's minus
 * that version's changes, so the suspects are the changes of the step down to it, narrowed to
 * those naming a schema or operation the differences touch; and the head spec, when its own lock
 * differs too.
 */
function cause(model: VersionModel, version: string, differences: LockDifference[], headChanged: boolean, changed: Set<string>): string {
  const newer = model.versions[model.versions.indexOf(version) + 1];
  // Each version is derived from the next newer one: a difference there is inherited here.
  if (newer !== model.head && changed.has(newer)) return `The contract of ${newer} differs too, and ${version} is derived from it: see ${newer} first. If the difference is intended, run \`verso lock\` to accept it.`;
  const step = model.steps.get(newer);
  const touched = new Set(differences.flatMap((d) => (d.path[0] === 'components' && d.path[1] === 'schemas' ? [String(d.path[2])] : [])));
  const inPaths = differences.some((d) => d.path[0] === 'paths');
  const suspects = (step?.changes ?? []).filter((c) => c.change.instructions.some((i) => ('schema' in i && typeof i.schema === 'string' && touched.has(i.schema)) || (inPaths && 'operation' in i)));
  const named = (suspects.length > 0 ? suspects : step?.changes ?? []).map((c) => c.id);
  const parts = [];
  if (named.length > 0) parts.push(`the changes of ${newer}${suspects.length > 0 ? ' that touch it' : ''}: ${named.join(', ')}`);
  if (headChanged) parts.push(`the head spec, which differs from its own lock (${model.head}.json)`);
  const by = parts.length > 0 ? `Made by ${parts.join('; or ')}.` : 'No change of the step names what differs.';
  return `${by} If the difference is intended, run \`verso lock\` to accept it.`;
}

/** Every difference between two JSON values, as key paths from the root. */
export function diff(before: unknown, after: unknown, path: (string | number)[] = [], out: LockDifference[] = []): LockDifference[] {
  if (Object.is(before, after)) return out;
  const bothObjects = before !== null && after !== null && typeof before === 'object' && typeof after === 'object' && Array.isArray(before) === Array.isArray(after);
  if (!bothObjects) {
    out.push({ path, kind: 'changed', before, after });
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    for (let i = 0; i < length; i++) {
      if (i >= before.length) out.push({ path: [...path, i], kind: 'added', after: after[i] });
      else if (i >= after.length) out.push({ path: [...path, i], kind: 'removed', before: before[i] });
      else diff(before[i], after[i], [...path, i], out);
    }
    return out;
  }
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!(key in a)) out.push({ path: [...path, key], kind: 'removed', before: b[key] });
    else diff(b[key], a[key], [...path, key], out);
  }
  for (const key of Object.keys(a)) if (!(key in b)) out.push({ path: [...path, key], kind: 'added', after: a[key] });
  return out;
}
