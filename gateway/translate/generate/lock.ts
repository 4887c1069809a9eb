/**
 * Published contracts, locked (issue 11): `verso lock` writes each version's derived OpenAPI
 * document to `<translation.changes>/lock/<version>.json`, and `verso check` compares every
 * version against its lock:
 *
 * - a difference an edited change made (a change of the step down to the version touches it)
 *   fails, naming the change;
 * - a difference the head spec brought is classified (breaking.ts, as oasdiff does): a breaking
 *   one fails with the `verso new-change` that would cover it, a non-breaking one (a new field or
 *   endpoint) is listed as a note.
 *
 * What is locked is the contract: the derived document with `info` cut to its title and version,
 * so a lifecycle date (deprecation, sunset: config, not contract) does not count as a change.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { GatewayConfig } from '../../config/types.js';
import { formatKeyPath } from '../../config/load.js';
import type { VersionModel } from '../model.js';
import { classify, type Finding } from './breaking.js';
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
  /** One message per version whose contract differs from its lock in a way that must not pass. */
  failures: string[];
  /** Non-breaking differences the head spec brought (new fields, endpoints, text): listed, not failed. */
  notes: string[];
}

/** How many differences a failure lists before it says how many more there are. */
const SHOWN = 8;

export function compareLock(model: VersionModel, config: GatewayConfig): LockComparison {
  const dir = lockDir(config);
  const result: LockComparison = { locked: existsSync(dir), unchanged: [], unlocked: [], failures: [], notes: [] };
  if (!result.locked) return result;
  const read = (version: string) => JSON.parse(readFileSync(join(dir, `${version}.json`), 'utf8')) as Record<string, unknown>;
  const headFile = join(dir, `${model.head}.json`);
  const headLocked = existsSync(headFile);
  const headBefore = headLocked ? read(model.head) : undefined;
  const headNow = lockedContract(model, model.head, config);
  const headDifferences = headBefore ? diff(headBefore, headNow) : [];
  const headChanged = headDifferences.length > 0;
  const notes = new Map<string, string[]>();
  const note = (finding: Finding, version: string) => {
    const line = `${finding.operation ? `${finding.operation}: ` : ''}${finding.message}`;
    notes.set(line, [...(notes.get(line) ?? []), version]);
  };

  // The head edited in place after it was locked (published): a breaking difference needs a new version.
  if (headChanged) {
    const findings = classify(headBefore!, headNow);
    const breaking = findings.filter((f) => f.breaking);
    for (const f of findings.filter((x) => !x.breaking)) note(f, model.head);
    if (breaking.length > 0) {
      result.failures.push(`${headFile}: the head ${model.head} is locked (published) and its spec now breaks its clients (${breaking.length} breaking difference${breaking.length === 1 ? '' : 's'}):\n${findingLines(breaking)}\n    A published version must not break: add a newer version to the config and versions/index, and start its change with \`verso new-change NAME --version NEW_VERSION\`; or, if the head was never published, run \`verso lock\` to accept it.`);
    }
  }

  // Newest first, so a version knows whether the one above it failed too (then it inherits), and
  // failures are listed newest first: the one that explains the others comes first.
  const failed = new Set<string>();
  // Each version's differences, to tell what a version inherits from the one above from what its own step made.
  const key = (d: LockDifference) => `${formatKeyPath(d.path)} ${describe(d)}`;
  const differencesOf = new Map<string, Set<string>>([[model.head, new Set(headDifferences.map(key))]]);
  for (const version of [...model.versions].reverse()) {
    if (version === model.head) continue;
    const file = join(dir, `${version}.json`);
    if (!existsSync(file)) {
      result.unlocked.unshift(version);
      continue;
    }
    const locked = read(version);
    const now = lockedContract(model, version, config);
    const differences = diff(locked, now);
    if (differences.length === 0) {
      result.unchanged.unshift(version);
      continue;
    }
    const newer = model.versions[model.versions.indexOf(version) + 1];
    differencesOf.set(version, new Set(differences.map(key)));
    // What the newer version shows as well was not made by this step's changes.
    const above = differencesOf.get(newer) ?? new Set<string>();
    const suspects = suspectsOf(model, newer, differences.filter((d) => !above.has(key(d))));
    const findings = classify(locked, now);
    const breaking = findings.filter((f) => f.breaking);
    // An edit to a change, or a difference the newer version already failed on, always fails; one
    // the head spec brought fails when it breaks clients of this version, and is a note otherwise.
    if (suspects.length === 0 && breaking.length === 0 && !failed.has(newer)) {
      for (const f of findings) note(f, version);
      result.unchanged.unshift(version);
      continue;
    }
    failed.add(version);
    const lines = differences.slice(0, SHOWN).map((d) => `    ${formatKeyPath(d.path)}: ${describe(d)}`);
    if (differences.length > SHOWN) lines.push(`    … and ${differences.length - SHOWN} more`);
    const why = newer !== model.head && failed.has(newer)
      ? `The contract of ${newer} differs too, and ${version} is derived from it: see ${newer} first.`
      : suspects.length > 0
        ? `Made by the changes of ${newer} that touch it: ${suspects.join(', ')}.`
        : `No change of ${newer} covers ${breaking.length === 1 ? 'this breaking difference' : 'these breaking differences'} the head spec brought:\n${findingLines(breaking)}\n    Start one with \`verso new-change NAME --version ${model.head === newer && !headLocked ? newer : 'NEW_VERSION'}\`${headChanged ? ` (the head spec differs from its own lock, ${model.head}.json)` : ''}.`;
    result.failures.push(`${file}: the contract of ${version} is not the one locked (${differences.length} difference${differences.length === 1 ? '' : 's'}):\n${lines.join('\n')}\n    ${why} If the difference is intended, run \`verso lock\` to accept it.`);
  }
  result.notes = [...notes].map(([line, versions]) => `${line} (${versions.join(', ')})`);
  return result;
}

function findingLines(findings: Finding[]): string {
  const lines = findings.slice(0, SHOWN).map((f) => `    ${f.operation ? `${f.operation}: ` : ''}${f.message} [${f.rule}]`);
  if (findings.length > SHOWN) lines.push(`    … and ${findings.length - SHOWN} more`);
  return lines.join('\n');
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
 * Which changes may have made a difference: a version's contract is the next newer one's minus
 * that version's changes, so the suspects are the changes of the step down to it that name a
 * schema (or, for a difference under `paths`, an endpoint) the differences touch.
 */
function suspectsOf(model: VersionModel, newer: string, differences: LockDifference[]): string[] {
  const step = model.steps.get(newer);
  const touched = new Set(differences.flatMap((d) => (d.path[0] === 'components' && d.path[1] === 'schemas' ? [String(d.path[2])] : [])));
  const inPaths = differences.some((d) => d.path[0] === 'paths');
  return (step?.changes ?? []).filter((c) => c.change.instructions.some((i) => ('schema' in i && typeof i.schema === 'string' && touched.has(i.schema)) || (inPaths && 'operation' in i))).map((c) => c.id);
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
