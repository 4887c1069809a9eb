/**
 * The version model: from the head OpenAPI document and the loaded changes, derive every older
 * version's document (newest to oldest, one change set at a time), check each instruction against
 * the document of its own version, and compile each version's change set into a `Step` — the
 * unit chains are built from. Every problem is collected with the file it comes from.
 */

import type { EndpointInstruction, FieldInstruction, Instruction } from './authoring.js';
import { TranslationError, type BundleProblem, type LoadedBundle, type LoadedChange } from './bundle.js';
import { fuse, programFor, type Direction, type ObjectOp, type Prim } from './fuse.js';
import { check, deriveOlder, isFieldInstruction, objectSchema, removedOperation, renameFields } from './instructions.js';
import { locate } from './locate.js';
import { findOperation, operationKey, operations, requestSchema, responseSchemas, type OpenApiDocument } from './spec.js';

/** An error thrown by a change's own function at request time, tagged with the change's id. */
export class ChangeFailure extends Error {
  constructor(readonly changeId: string, override readonly cause: unknown) {
    super(`change ${changeId} failed: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'ChangeFailure';
  }
}

/** One version's change set, compiled. `version` is the newer side of the step. */
export interface Step {
  version: string;
  previous: string;
  changes: LoadedChange[];
  objectOps: Record<Direction, Map<string, ObjectOp>>;
  /** The same, as primitives, so a chain can fuse consecutive steps into one pass (fuse.ts). */
  programs: Record<Direction, Map<string, Prim[]>>;
  /** Whether this step's field instructions can put new objects into a body (see chain.ts). */
  introducesObjects: boolean;
  /** Schema name at `previous` → name at `version`, for schemas renamed in this step. */
  renamedSchemas: Map<string, string>;
  /** Head operation key → endpoint instructions of this step. */
  endpoints: Map<string, { changeId: string; instruction: EndpointInstruction }[]>;
}

export interface VersionModel {
  /** Oldest first. */
  versions: string[];
  head: string;
  docs: Map<string, OpenApiDocument>;
  /** Per version: head operation key → that operation's key in this version's document. */
  operationKeys: Map<string, Map<string, string>>;
  /** Keyed by the newer version of each step. */
  steps: Map<string, Step>;
  /** Endpoints a version removed (`removed()`), by their key, with the version that removed them: older clients' requests go upstream as they are. */
  removedEndpoints: Map<string, string>;
  changes: LoadedChange[];
}

/**
 * `fn`, made to throw a `ChangeFailure` naming `changeId` for anything it throws. Fixed arity
 * (every author function takes one argument, a removed field's `up` two): a rest-parameter
 * wrapper spreads its arguments on every call, and a converter runs once per value translated.
 */
function attributed<A, R>(changeId: string, fn: (a: A) => R): (a: A) => R {
  return (a) => {
    try {
      return fn(a);
    } catch (err) {
      throw err instanceof ChangeFailure ? err : new ChangeFailure(changeId, err);
    }
  };
}

function attributed2<A, B, R>(changeId: string, fn: (a: A, b: B) => R): (a: A, b: B) => R {
  return (a, b) => {
    try {
      return fn(a, b);
    } catch (err) {
      throw err instanceof ChangeFailure ? err : new ChangeFailure(changeId, err);
    }
  };
}

/** Wrap every function an author wrote so a failure names its change. */
function attributeFailures(ins: Instruction, changeId: string): Instruction {
  switch (ins.kind) {
    case 'field-added':
      return typeof ins.default === 'function' ? { ...ins, default: attributed(changeId, ins.default) } : ins;
    case 'field-removed':
      return { ...ins, derive: attributed(changeId, ins.derive), up: ins.up && attributed2(changeId, ins.up) };
    case 'field-converted':
      return { ...ins, up: attributed(changeId, ins.up), down: attributed(changeId, ins.down) };
    case 'field-constraint':
      return typeof ins.default === 'function' ? { ...ins, default: attributed(changeId, ins.default) } : ins;
    case 'schema-converted':
      return { ...ins, up: ins.up && attributed(changeId, ins.up), down: ins.down && attributed(changeId, ins.down) };
    case 'request-hook':
      return { ...ins, fn: attributed(changeId, ins.fn) };
    case 'response-hook':
      return { ...ins, fn: attributed(changeId, ins.fn) };
    default:
      return ins;
  }
}

/**
 * Build the model. `configVersions` (oldest first) must name the same versions as the bundle.
 */
export function buildModel(head: OpenApiDocument, bundle: LoadedBundle, configVersions: string[], specFile: string): VersionModel {
  const problems: BundleProblem[] = [];
  const newestFirst = bundle.versions.map((v) => v.id);
  const mismatch = versionMismatch(newestFirst, configVersions);
  if (mismatch) throw new TranslationError([{ file: bundle.indexFile, message: mismatch }]);
  const oldest = bundle.versions[bundle.versions.length - 1];
  for (const c of oldest.changes) problems.push({ file: c.file, message: `is listed under the oldest version ${oldest.id}, which has no previous version to change from; the oldest version carries no changes` });
  if (head.info?.version !== undefined && String(head.info.version) !== newestFirst[0]) {
    problems.push({ file: specFile, message: `info.version is "${String(head.info.version)}" but the head version is ${newestFirst[0]}` });
  }

  const docs = new Map<string, OpenApiDocument>();
  const operationKeys = new Map<string, Map<string, string>>();
  const steps = new Map<string, Step>();
  const removedEndpoints = new Map<string, string>();
  docs.set(newestFirst[0], head);
  operationKeys.set(newestFirst[0], new Map(operations(head).map((op) => [op.key, op.key])));

  for (let i = 0; i < newestFirst.length - 1; i++) {
    const version = newestFirst[i];
    const previous = newestFirst[i + 1];
    const doc = docs.get(version)!;
    const keys = operationKeys.get(version)!;
    const headKeyOf = new Map([...keys].map(([h, k]) => [k, h]));
    const entry = bundle.versions[i];

    const valid: { change: LoadedChange; instruction: Instruction }[] = [];
    for (const change of entry.changes) {
      if (change.change.instructions.length === 0) problems.push({ file: change.file, message: 'has no instructions' });
      for (const raw of change.change.instructions) {
        const problem = check(raw, doc, version, entry.changes.flatMap((c) => c.change.instructions));
        if (problem) problems.push({ file: change.file, message: problem });
        else valid.push({ change, instruction: attributeFailures(raw, change.id) });
      }
    }
    conflicts(valid, previous, problems);
    matchesSomething(valid, doc, version, problems);

    // Derive the previous version's document, and where each operation lives in it.
    const older = structuredClone(doc);
    const olderKeys = new Map(keys);
    for (const { instruction } of valid) {
      if (instruction.kind === 'endpoint-removed') {
        // An endpoint no newer version has: it is known by its own key from here on down.
        const { field, path } = removedOperation(instruction.operation)!;
        const key = operationKey(field, path);
        olderKeys.set(key, key);
        removedEndpoints.set(key, version);
        continue;
      }
      if (!isFieldInstruction(instruction)) {
        const op = findOperation(doc, instruction.operation)!;
        const headKey = headKeyOf.get(op.key)!;
        if (instruction.kind === 'endpoint-added') olderKeys.delete(headKey);
        if (instruction.kind === 'endpoint-renamed') olderKeys.set(headKey, `${op.method} ${instruction.fromPath}`);
      }
    }
    // Operation-level derivations look the operation up by its key at `version`, so those that
    // move or delete an operation go last.
    const moves = (i: Instruction) => (i.kind === 'endpoint-renamed' || i.kind === 'endpoint-added' ? 1 : 0);
    for (const { instruction } of [...valid].sort((a, b) => moves(a.instruction) - moves(b.instruction))) {
      if (instruction.kind === 'endpoint-removed') {
        deriveOlder(instruction, older);
      } else if (!isFieldInstruction(instruction)) {
        const op = findOperation(doc, instruction.operation)!;
        deriveOlder({ ...instruction, operation: op.key } as Instruction, older);
      }
    }
    // Field renames go last and together: other instructions name fields as this version has
    // them, and renames within one schema may rotate names.
    const renames = new Map<string, Map<string, string>>();
    for (const { instruction } of valid) {
      if (instruction.kind === 'field-renamed') renames.set(instruction.schema, (renames.get(instruction.schema) ?? new Map()).set(instruction.field, instruction.from));
      else if (isFieldInstruction(instruction) && instruction.kind !== 'schema-renamed') deriveOlder(instruction, older);
    }
    for (const [schemaName, pairs] of renames) renameFields(older, schemaName, pairs);
    for (const { instruction } of valid) if (instruction.kind === 'schema-renamed') deriveOlder(instruction, older);
    docs.set(previous, older);
    operationKeys.set(previous, olderKeys);
    steps.set(version, compileStep(version, previous, entry.changes, valid, doc, headKeyOf));
  }
  if (problems.length > 0) throw new TranslationError(problems);
  return {
    versions: [...newestFirst].reverse(),
    head: newestFirst[0],
    docs,
    operationKeys,
    steps,
    removedEndpoints,
    changes: bundle.versions.flatMap((v) => v.changes),
  };
}

/** What is wrong with the bundle's version list against the config's, or undefined. */
function versionMismatch(newestFirst: string[], configVersions: string[]): string | undefined {
  const expected = [...configVersions].reverse();
  if (newestFirst.join('\u0000') === expected.join('\u0000')) return undefined;
  const config = `the gateway config has ${expected.join(', ')} (newest first)`;
  const twice = newestFirst.filter((v, i) => newestFirst.indexOf(v) !== i);
  if (twice.length > 0) return `lists version ${[...new Set(twice)].join(', ')} more than once; each version appears once (${config})`;
  const unknown = newestFirst.filter((v) => !configVersions.includes(v));
  const missing = expected.filter((v) => !newestFirst.includes(v));
  const problems = [
    ...(unknown.length > 0 ? [`lists ${unknown.join(', ')}, which the gateway config does not have`] : []),
    ...(missing.length > 0 ? [`does not list ${missing.join(', ')}, which the gateway config has`] : []),
  ];
  if (problems.length > 0) return `${problems.join(', and ')}; ${config}`;
  return `lists versions ${newestFirst.join(', ')}, but they must be newest first, as ${config}`;
}

function compileStep(version: string, previous: string, changes: LoadedChange[], valid: { change: LoadedChange; instruction: Instruction }[], doc: OpenApiDocument, headKeyOf: Map<string, string>): Step {
  const bySchema = new Map<string, FieldInstruction[]>();
  const renamedSchemas = new Map<string, string>();
  const endpoints = new Map<string, { changeId: string; instruction: EndpointInstruction }[]>();
  for (const { change, instruction } of valid) {
    if (isFieldInstruction(instruction)) {
      if (instruction.kind === 'schema-renamed') renamedSchemas.set(instruction.from, instruction.schema);
      const name = objectSchema(instruction);
      if (name) bySchema.set(name, [...(bySchema.get(name) ?? []), instruction]);
    } else if (instruction.kind !== 'endpoint-removed') {
      const headKey = headKeyOf.get(findOperation(doc, instruction.operation)!.key)!;
      endpoints.set(headKey, [...(endpoints.get(headKey) ?? []), { changeId: change.id, instruction }]);
    }
  }
  const objectOps: Record<Direction, Map<string, ObjectOp>> = { up: new Map(), down: new Map() };
  const programs: Record<Direction, Map<string, Prim[]>> = { up: new Map(), down: new Map() };
  for (const [name, list] of bySchema) {
    for (const direction of ['up', 'down'] as const) {
      const program = programFor(list, direction);
      const op = fuse(program);
      if (op) {
        objectOps[direction].set(name, op);
        programs[direction].set(name, program);
      }
    }
  }
  // Values that hold objects (a removed field's schema with a $ref, an object default, a
  // schema-level function) may create objects of other schemas that later steps must translate.
  const introducesObjects = valid.some(({ instruction: i }) =>
    (i.kind === 'field-removed' && JSON.stringify(i.fieldSchema).includes('$ref'))
    || (i.kind === 'field-converted' && JSON.stringify(i.fieldSchema).includes('$ref'))
    || ((i.kind === 'field-added' || i.kind === 'field-constraint') && i.default !== null && typeof i.default === 'object')
    || i.kind === 'field-moved'
    || i.kind === 'schema-converted');
  return { version, previous, changes, objectOps, programs, introducesObjects, renamedSchemas, endpoints };
}

/**
 * Two instructions of one version touching the same thing cannot both be right. Each claims
 * what it changes at this version and, for fields, the name it gives the previous version (two
 * renames from one old name, or a rename from a removed field, would collide there).
 */
function conflicts(valid: { change: LoadedChange; instruction: Instruction }[], previous: string, problems: BundleProblem[]): void {
  const claimed = new Map<string, { change: LoadedChange; instruction: Instruction }>();
  for (const entry of valid) {
    const { change, instruction: ins } = entry;
    const claims: [key: string, what: string][] = [];
    if (isFieldInstruction(ins)) {
      if (ins.kind === 'schema-renamed' || ins.kind === 'schema-converted') claims.push([`${ins.kind} ${ins.schema}`, `${ins.kind === 'schema-renamed' ? 'rename' : 'convert'} schema ${ins.schema}`]);
      else if (ins.kind === 'enum-renamed') claims.push([`enum ${ins.schema}.${ins.field}=${ins.to}`, `rename the value "${ins.to}" of ${ins.schema}.${ins.field}`]);
      else if (ins.kind === 'field-constraint') claims.push([`${ins.change.includes('null') ? 'nullability' : 'requiredness'} ${ins.schema}.${ins.field}`, `change whether ${ins.schema}.${ins.field} is ${ins.change.includes('null') ? 'nullable' : 'required'}`]);
      // A field's name and its value are claimed apart: one version may rename a field and convert
      // its value (renames run after value changes going down, before them going up; fuse.ts).
      else {
        const what = `change ${ins.schema}.${ins.field}`;
        if (ins.kind !== 'field-converted') claims.push([`name ${ins.schema}.${ins.field}`, what]);
        if (ins.kind !== 'field-renamed') claims.push([`value ${ins.schema}.${ins.field}`, what]);
      }
      if (ins.kind === 'field-renamed') claims.push([`old ${ins.schema}.${ins.from}`, `give ${previous} a field ${ins.schema}.${ins.from}`]);
      if (ins.kind === 'field-moved') claims.push([`old ${ins.schema}.${ins.from}`, `give ${previous} a field at ${ins.schema}.${ins.from}`]);
      if (ins.kind === 'field-removed') claims.push([`old ${ins.schema}.${ins.field}`, `give ${previous} a field ${ins.schema}.${ins.field}`]);
      if (ins.kind === 'schema-renamed') claims.push([`old schema ${ins.from}`, `give ${previous} a schema ${ins.from}`]);
    } else if (ins.kind === 'request-hook' || ins.kind === 'response-hook') {
      claims.push([`${ins.kind} ${ins.operation} ${change.id}`, `add a ${ins.kind === 'request-hook' ? 'request' : 'response'} function to ${ins.operation}`]);
    } else if (ins.kind === 'status-changed') claims.push([`status ${ins.operation} ${ins.to}`, `change the ${ins.to} status of ${ins.operation}`]);
    else if (ins.kind === 'header-renamed') claims.push([`header ${ins.operation} ${ins.in} ${ins.to}`, `rename the ${ins.in} header ${ins.to} of ${ins.operation}`]);
    else claims.push([`endpoint ${ins.operation}`, `${ins.kind === 'endpoint-added' ? 'add' : 'rename'} ${ins.operation}`]);
    for (const [key, what] of claims) {
      const other = claimed.get(key);
      if (!other) { claimed.set(key, entry); continue; }
      problems.push({
        file: change.file,
        message: other.change === change ? `has two instructions that both ${what}` : `conflicts with ${other.change.id} in the same version: both ${what}`,
      });
      break;
    }
  }
}

/** A schema instruction whose schema occurs in no operation would silently do nothing. */
function matchesSomething(valid: { change: LoadedChange; instruction: Instruction }[], doc: OpenApiDocument, version: string, problems: BundleProblem[]): void {
  const targets = new Set(valid.map((v) => (isFieldInstruction(v.instruction) ? v.instruction.schema : undefined)).filter((s): s is string => !!s));
  if (targets.size === 0) return;
  const found = new Set<string>();
  for (const op of operations(doc)) {
    locate(doc, requestSchema(doc, op), targets, found);
    for (const schema of responseSchemas(doc, op).values()) locate(doc, schema, targets, found);
  }
  for (const { change, instruction } of valid) {
    if (isFieldInstruction(instruction) && !found.has(instruction.schema)) {
      problems.push({ file: change.file, message: `schema ${instruction.schema} occurs in no operation's request or response at ${version}, so this instruction matches nothing` });
    }
  }
}

