/**
 * `verso check`'s proof of the changes against the specs. For every pair of adjacent versions
 * (V and the previous version P) and every operation both have:
 *
 * - responses: each payload at V (see payloads.ts) is moved down to P by the response
 *   chain and must validate against P's schema for the status it ends with;
 * - requests: each payload at P is moved up to V by the request chain and must validate against
 *   V's request schema;
 * - round trips: responses down then up, requests up then down, must give back what went in,
 *   except what the step loses by declaration (the rule is in round-trip.ts).
 *
 * Validation is ajv against each version's derived OpenAPI document (validate.ts). A
 * failure names the operation, the status, the versions, the changes of the step that touch the
 * operation, ajv's errors (instance path and message) and the payload; one failure is reported
 * per (check, operation, status, version pair), from the first payload that fails it.
 */

import type { Instruction, RequestParts, ResponseParts } from '../authoring.js';
import { buildRequestChain, buildResponseChain, ChainError, type RequestChain, type ResponseChain } from '../chain.js';
import type { Step, VersionModel } from '../model.js';
import { PayloadSource, wire, type BodyPayloads } from './payloads.js';
import { differences, lossyParts, withoutLossy } from './round-trip.js';
import { documentValidator, type DocumentValidator } from './validate.js';
import { operations, requestSchema, responseSchemas, statusKey } from '../spec.js';

export type ProofCheck =
  | 'response' | 'request' | 'response round trip' | 'request round trip' | 'response example' | 'request example';

export interface ProofFailure {
  check: ProofCheck;
  /** Head operation key, such as `GET /orders/{id}`. */
  operation: string;
  /** Response status key at the input; `201→200` when the step changed it. */
  status?: string;
  /** The versions the payload went through, in order: `[V, P]`, `[P, V, P]`, or `[V]` for an example. */
  versions: string[];
  /** Ids of the step's changes that touch the operation (every change of the step when none does). */
  changes: string[];
  /** Where the payload came from. */
  payload?: string;
  /** ajv's errors (`/amount must be string`), round-trip differences, or what a change threw. */
  problems: string[];
  /** All of the above on one line. */
  message: string;
}

export interface ProofResult {
  failures: ProofFailure[];
  /** Head operations present in at least one pair of adjacent versions. */
  operations: number;
  /** Pairs of adjacent versions. */
  pairs: number;
  /** Payloads moved through a step (each direction counted once). */
  payloads: number;
  /**
   * Changes with one-way parts (hooks, a schema converted one way): their output is validated
   * but cannot be round-tripped, so `verso check` says so per change instead of staying silent.
   */
  oneWay: { change: string; parts: string[] }[];
}

/**
 * Prove every step of the model; `[]` when every change holds.
 *
 * @example
 * ```ts
 * const translator = await loadTranslator(loadConfigFile('gateway.yaml'));
 * for (const failure of proveChanges(translator!.model)) console.error(failure.message);
 * ```
 */
export function proveChanges(model: VersionModel): ProofFailure[] {
  return prove(model).failures;
}

/**
 * Prove every step of the model, with counts for the report.
 *
 * @example
 * ```ts
 * const { failures, operations, pairs } = prove(model);
 * if (failures.length === 0) console.log(`proved ${operations} operations across ${pairs} version pairs`);
 * ```
 */
export function prove(model: VersionModel): ProofResult {
  const validators = new Map<string, DocumentValidator>();
  const validator = (version: string) => {
    let v = validators.get(version);
    if (!v) validators.set(version, (v = documentValidator(model.docs.get(version)!, version)));
    return v;
  };
  const source = new PayloadSource(model, validator);
  const failures: ProofFailure[] = [];
  const report = (found: Omit<ProofFailure, 'message'>) => {
    const f = { ...found, changes: atFault(model, found) };
    failures.push({ ...f, message: formatFailure(f) });
  };
  const headKeys = operations(model.docs.get(model.head)!).map((op) => op.key);
  let payloads = 0;

  // Examples the head spec gives must validate against the head spec, or nothing else is meaningful.
  for (const key of headKeys) {
    for (const invalid of source.request(model.head, key)?.invalidExamples ?? []) {
      report({ check: 'request example', operation: key, versions: [model.head], changes: [], payload: invalid.label, problems: invalid.problems });
    }
    for (const [status, { invalidExamples }] of source.responses(model.head, key)) {
      for (const invalid of invalidExamples) report({ check: 'response example', operation: key, status, versions: [model.head], changes: [], payload: invalid.label, problems: invalid.problems });
    }
  }

  const proven = new Set<string>();
  for (let i = model.versions.length - 1; i >= 1; i--) {
    const step = model.steps.get(model.versions[i])!;
    for (const key of headKeys) {
      if (!model.operationKeys.get(step.version)!.has(key) || !model.operationKeys.get(step.previous)!.has(key)) continue;
      proven.add(key);
      const context: StepContext = { model, step, key, source, validator, report };
      payloads += proveResponses(context) + proveRequest(context);
    }
  }
  const oneWay = model.changes.flatMap((c) => {
    const parts = c.change.instructions.flatMap(oneWayPart);
    return parts.length > 0 ? [{ change: c.id, parts }] : [];
  });
  return { failures, operations: proven.size, pairs: Math.max(0, model.versions.length - 1), payloads, oneWay };
}

/** What of an instruction only moves one way. */
function oneWayPart(ins: Instruction): string[] {
  if (ins.kind === 'request-hook') return [`request hook on ${ins.operation}`];
  if (ins.kind === 'response-hook') return [`response hook on ${ins.operation}`];
  if (ins.kind === 'schema-converted' && (!ins.up || !ins.down)) return [`${ins.schema} converted ${ins.up ? 'up' : 'down'} only`];
  return [];
}

interface StepContext {
  model: VersionModel;
  step: Step;
  key: string;
  source: PayloadSource;
  validator: (version: string) => DocumentValidator;
  report: (failure: Omit<ProofFailure, 'message'>) => void;
}

function proveResponses({ model, step, key, source, validator, report }: StepContext): number {
  const { version: newer, previous: older } = step;
  const down = buildResponseChain(model, key, newer, older);
  const up = reverse(() => buildResponseChain(model, key, older, newer));
  const newerSchemas = responseSchemas(model.docs.get(newer)!, source.operationAt(newer, key)!);
  const olderSchemas = responseSchemas(model.docs.get(older)!, source.operationAt(older, key)!);
  const changes = touching(step, down.changeIds, up?.changeIds);
  const lossy = lossyParts(step, 'response');
  let count = 0;

  for (const [status, found] of source.responses(newer, key)) {
    const base = { operation: key, status, changes };
    if (noPayload(found, newer, (problems) => report({ ...base, check: 'response', versions: [newer, older], problems }))) continue;
    let failedDown = false;
    let failedTrip = false;
    for (const payload of found.payloads) {
      if (failedDown && (failedTrip || !up)) break;
      count++;
      const parts: ResponseParts = { status: payload.status!, body: structuredClone(payload.body), headers: {} };
      const threw = attempt(() => down.run(parts));
      const moved = parts.status === payload.status ? status : `${status}→${parts.status}`;
      const failDown = (problems: string[]) => {
        if (!failedDown) report({ ...base, status: moved, check: 'response', versions: [newer, older], payload: payload.label, problems });
        failedDown = true;
      };
      if (threw) { failDown([threw]); continue; }
      const outKey = statusKey(olderSchemas.keys(), parts.status);
      const body = wire(parts.body);
      if (outKey === undefined) { failDown([`${older} documents no JSON response body for status ${parts.status}`]); continue; }
      const problems = body === undefined ? ['(body) is missing'] : validator(older).errors(olderSchemas.get(outKey)!, body);
      if (problems.length > 0) { failDown(problems); continue; }
      if (!up || failedTrip) continue;

      const back: ResponseParts = { status: parts.status, body: structuredClone(body), headers: {} };
      const threwBack = attempt(() => up.run(back));
      const doc = model.docs.get(newer)!;
      const schema = newerSchemas.get(status)!;
      const trip = threwBack ? [threwBack] : [
        ...(back.status === payload.status ? [] : [`status: sent ${payload.status}, got back ${back.status}`]),
        ...differences(withoutLossy(doc, schema, payload.body, lossy), withoutLossy(doc, schema, wire(back.body), lossy)),
      ];
      if (trip.length > 0) {
        report({ ...base, status: moved, check: 'response round trip', versions: [newer, older, newer], payload: payload.label, problems: trip });
        failedTrip = true;
      }
    }
  }
  return count;
}

function proveRequest({ model, step, key, source, validator, report }: StepContext): number {
  const { version: newer, previous: older } = step;
  const found = source.request(older, key);
  const newerSchema = requestSchema(model.docs.get(newer)!, source.operationAt(newer, key)!);
  if (!found || !newerSchema) return 0;
  const up = buildRequestChain(model, key, older, newer);
  const down = reverse(() => buildRequestChain(model, key, newer, older));
  const base = { operation: key, changes: touching(step, up.changeIds, down?.changeIds) };
  if (noPayload(found, older, (problems) => report({ ...base, check: 'request', versions: [older, newer], problems }))) return 0;
  const olderDoc = model.docs.get(older)!;
  const olderSchema = requestSchema(olderDoc, source.operationAt(older, key)!)!;
  const lossy = lossyParts(step, 'request');
  let failedUp = false;
  let failedTrip = false;
  let count = 0;

  for (const payload of found.payloads) {
    if (failedUp && (failedTrip || !down)) break;
    count++;
    const parts: RequestParts = { body: structuredClone(payload.body), headers: {}, query: {} };
    const threw = attempt(() => up.run(parts));
    const body = wire(parts.body);
    const problems = threw ? [threw] : body === undefined ? ['(body) is missing'] : validator(newer).errors(newerSchema, body);
    if (problems.length > 0) {
      if (!failedUp) report({ ...base, check: 'request', versions: [older, newer], payload: payload.label, problems });
      failedUp = true;
      continue;
    }
    if (!down || failedTrip) continue;
    const back: RequestParts = { body: structuredClone(body), headers: {}, query: {} };
    const threwBack = attempt(() => down.run(back));
    const trip = threwBack ? [threwBack] : differences(withoutLossy(olderDoc, olderSchema, payload.body, lossy), withoutLossy(olderDoc, olderSchema, wire(back.body), lossy));
    if (trip.length > 0) {
      report({ ...base, check: 'request round trip', versions: [older, newer, older], payload: payload.label, problems: trip });
      failedTrip = true;
    }
  }
  return count;
}

/** The chain back, or undefined when a hook makes the step one-way (no round trip to prove). */
function reverse<T extends RequestChain | ResponseChain>(build: () => T): T | undefined {
  try {
    return build();
  } catch (err) {
    if (err instanceof ChainError) return undefined;
    throw err;
  }
}

/** The message of what a change's function threw, or undefined. */
function attempt(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return (err as Error)?.message ?? String(err);
  }
}

function noPayload(found: BodyPayloads, version: string, fail: (problems: string[]) => void): boolean {
  if (found.payloads.length > 0) return false;
  fail([`no payload to prove with: no head example reaches ${version} and the generated sample fails its schema: ${found.sampleProblems.join('; ')}`]);
  return true;
}

/**
 * The changes of a failure narrowed to those whose instructions name a field the problems point
 * at (`/amount must be string` → the instruction on `amount`), with the instruction when it is one;
 * all of them when none or every one does.
 */
function atFault(model: VersionModel, f: Omit<ProofFailure, 'message'>): string[] {
  if (f.changes.length === 0) return f.changes;
  const named = new Set(f.problems.flatMap((p) => [...p.matchAll(/(?:^|[\s(])\/([\w$@-]+(?:\/[\w$@-]+)*)/g)].flatMap((m) => m[1].split('/').filter((s) => !/^\d+$/.test(s)))));
  if (named.size === 0) return f.changes;
  const byId = new Map(model.changes.map((c) => [c.id, c]));
  const hits = f.changes.flatMap((id) => {
    const instructions = (byId.get(id)?.change.instructions ?? []).filter((i) => {
      const names = 'field' in i ? [i.field, 'from' in i && typeof i.from === 'string' ? i.from : undefined].flatMap((n) => (n ? n.split(/[.[\]]/).filter(Boolean) : [])) : [];
      return names.some((n) => named.has(n));
    });
    return instructions.length > 0 ? [{ id, instructions }] : [];
  });
  if (hits.length === 0 || hits.length === f.changes.length && hits.length > 1) return f.changes;
  return hits.map(({ id, instructions }) => (instructions.length === 1 && 'field' in instructions[0]
    ? `${id}: ${(instructions[0] as { schema: string }).schema}.${instructions[0].field} ${instructions[0].kind.replace('field-', '')}`
    : id));
}

function touching(step: Step, ...lists: (string[] | undefined)[]): string[] {
  const ids = new Set(lists.flatMap((l) => l ?? []));
  return ids.size > 0 ? step.changes.map((c) => c.id).filter((id) => ids.has(id)) : step.changes.map((c) => c.id);
}

/**
 * One line: `GET /orders/{id} 200 response, 2024-09-01 → 2024-01-01 [2024-09-01/amount]:
 * /amount must be string (payload: Order example from 2025-06-01)`.
 */
export function formatFailure(f: Omit<ProofFailure, 'message'>): string {
  const status = f.status === undefined ? '' : ` ${f.status}`;
  const changes = f.changes.length > 0 ? ` [${f.changes.join(', ')}]` : '';
  const payload = f.payload === undefined ? '' : ` (payload: ${f.payload})`;
  return `${f.operation}${status} ${f.check}, ${f.versions.join(' → ')}${changes}: ${f.problems.join('; ')}${payload}`;
}
