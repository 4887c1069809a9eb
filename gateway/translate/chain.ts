/**
 * Chains: the steps between a client's version and the version an upstream speaks, composed for
 * one operation, built once at start-up. A request moves up (older client) or down (newer
 * client); a response the other way. Each body is parsed once before the chain and serialized
 * once after it, whatever its length; the chain only rewrites the parsed value.
 */

import type { Json, RequestParts, ResponseParts } from './authoring.js';
import { formCoercion } from './form.js';
import { fuse, type Direction, type ObjectOp, type Prim } from './fuse.js';
import { compileWalk, locate } from './locate.js';
import type { Step, VersionModel } from './model.js';
import { componentSchemas, findOperation, requestSchema, resolveSchema, responseSchemas, statusKey, type OpenApiDocument, type SchemaObject } from './spec.js';

/** A body's walk, compiled for one segment (locate.ts `compileWalk`). */
type Walk = (body: Json) => Json;

interface RequestStepPlan {
  body?: Walk;
  headerRenames: [string, string][];
  hooks: ((request: RequestParts) => void)[];
}

interface ResponseStepPlan {
  /** Status key → the walk of that response's body. */
  bodies: Map<string, Walk>;
  statusKeys: string[];
  headerRenames: [string, string][];
  hooks: { status?: number; fn: (response: ResponseParts) => void }[];
  statusMap: Map<number, number>;
}

export interface RequestChain {
  /** Whether any step does anything (headers, query or body) for this operation. */
  active: boolean;
  /** Whether the body must be parsed (some step rewrites it). */
  needsBody: boolean;
  run(parts: RequestParts): void;
  /** A decoded form body (strings) as a JSON client would have sent it, by the client version's request schema (form.ts). */
  coerceForm(value: Json): Json;
  changeIds: string[];
}

export interface ResponseChain {
  /** Whether any step does anything (status, headers or body) for this operation. */
  active: boolean;
  /** Whether any step renames headers or runs a hook (which may change headers). */
  touchesHeaders: boolean;
  /** Whether a response with this status needs its body parsed. */
  needsBody(status: number): boolean;
  run(parts: ResponseParts): void;
  changeIds: string[];
}

/** The steps from `from` to `to`, each with the direction it is applied in. */
export function stepsBetween(model: VersionModel, from: string, to: string): { step: Step; direction: Direction }[] {
  const a = model.versions.indexOf(from);
  const b = model.versions.indexOf(to);
  const out: { step: Step; direction: Direction }[] = [];
  if (a < b) for (let i = a + 1; i <= b; i++) out.push({ step: model.steps.get(model.versions[i])!, direction: 'up' });
  else for (let i = a; i > b; i--) out.push({ step: model.steps.get(model.versions[i])!, direction: 'down' });
  return out;
}

/** The document a step reads its input shape from. */
function inputDoc(model: VersionModel, step: Step, direction: Direction): { doc: OpenApiDocument; version: string } {
  const version = direction === 'down' ? step.version : step.previous;
  return { doc: model.docs.get(version)!, version };
}

function targetsFor(step: Step, direction: Direction): Set<string> {
  const names = new Set(step.objectOps[direction].keys());
  if (direction === 'up') for (const [older, newer] of step.renamedSchemas) if (names.has(newer)) names.add(older);
  return names;
}

function operationIn(model: VersionModel, version: string, headKey: string) {
  const key = model.operationKeys.get(version)!.get(headKey);
  return key === undefined ? undefined : findOperation(model.docs.get(version)!, key);
}

/** A chain that cannot be built; names the change at fault. */
export class ChainError extends Error {
  constructor(readonly changeId: string, message: string) {
    super(`${changeId}: ${message}`);
  }
}

/** One step of a chain as an operation sees it. */
interface StepView {
  step: Step;
  direction: Direction;
  doc: OpenApiDocument;
  op: NonNullable<ReturnType<typeof operationIn>>;
}

function viewsBetween(model: VersionModel, headKey: string, from: string, to: string): StepView[] {
  const out: StepView[] = [];
  for (const { step, direction } of stepsBetween(model, from, to)) {
    const { doc, version } = inputDoc(model, step, direction);
    const op = operationIn(model, version, headKey);
    if (op) out.push({ step, direction, doc, op });
  }
  return out;
}

/**
 * Consecutive steps walk the body once: the object operations of every step in a segment are
 * fused per schema (fuse.ts) and applied in one post-order walk of the first step's shape. A
 * segment ends after a step whose later steps could not find their objects in that shape: one
 * with an author's hook for the operation (it may restructure the body), a status change (the
 * next step reads another status's schema), or values that create new objects.
 */
function segments(views: StepView[], headKey: string, kind: 'request' | 'response'): StepView[][] {
  const out: StepView[][] = [];
  let current: StepView[] = [];
  for (const view of views) {
    current.push(view);
    const endpoint = view.step.endpoints.get(headKey) ?? [];
    const ends = view.step.introducesObjects || endpoint.some(({ instruction: i }) =>
      (kind === 'request' && i.kind === 'request-hook') || (kind === 'response' && (i.kind === 'response-hook' || i.kind === 'status-changed')));
    if (ends) { out.push(current); current = []; }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * The fused object operations of a segment, keyed by schema name in its first step's document,
 * each told the fields its objects are declared with there (fuse.ts: stored by literal name).
 */
function fusedOps(segment: StepView[]): Map<string, ObjectOp> {
  const ops = new Map<string, ObjectOp>();
  const doc = segment[0].doc;
  for (const [name, schema] of Object.entries(componentSchemas(doc))) {
    let current = name;
    const program: Prim[] = [];
    for (const { step, direction } of segment) {
      // Operations are keyed by the step's own version's name; up, the input still has the older one.
      const key = direction === 'up' ? step.renamedSchemas.get(current) ?? current : current;
      const prims = step.programs[direction].get(key);
      if (prims) program.push(...prims);
      if (direction === 'up') current = key;
      else for (const [older, newer] of step.renamedSchemas) if (newer === current) { current = older; break; }
    }
    const op = fuse(program, declaredFields(doc, schema));
    if (op) ops.set(name, op);
  }
  return ops;
}

/** The property names a schema declares, its `allOf` parts' included. */
function declaredFields(doc: OpenApiDocument, schema: SchemaObject | undefined, out = new Set<string>(), seen = new Set<SchemaObject>()): Set<string> {
  const s = resolveSchema(doc, schema);
  if (!s || typeof s !== 'object' || seen.has(s)) return out;
  seen.add(s);
  for (const key of Object.keys(s.properties ?? {})) out.add(key);
  for (const part of s.allOf ?? []) declaredFields(doc, part, out, seen);
  return out;
}

/** The compiled walk of `schema` in `doc` for a segment's operations, or undefined when it finds nothing. */
function walkOf(doc: OpenApiDocument, schema: SchemaObject | undefined, ops: Map<string, ObjectOp>): Walk | undefined {
  const plan = locate(doc, schema, new Set(ops.keys()));
  return plan && compileWalk(plan, (name) => ops.get(name));
}

export function buildRequestChain(model: VersionModel, headKey: string, from: string, to: string): RequestChain {
  const views = viewsBetween(model, headKey, from, to);
  const changeIds = new Set<string>();
  for (const { step, direction, doc, op } of views) {
    const found = new Set<string>();
    locate(doc, requestSchema(doc, op), targetsFor(step, direction), found);
    touching(step, found, changeIds);
  }
  const plans: RequestStepPlan[] = [];
  for (const segment of segments(views, headKey, 'request')) {
    const { doc, op } = segment[0];
    const ops = fusedOps(segment);
    const body = walkOf(doc, requestSchema(doc, op), ops);
    const headerRenames: [string, string][] = [];
    const hooks: ((r: RequestParts) => void)[] = [];
    for (const { step, direction } of segment) {
      for (const { changeId, instruction: ins } of step.endpoints.get(headKey) ?? []) {
        if (ins.kind === 'header-renamed' && ins.in === 'request') {
          headerRenames.push(direction === 'up' ? [ins.from, ins.to] : [ins.to, ins.from]);
          changeIds.add(changeId);
        }
        if (ins.kind === 'request-hook') {
          if (direction === 'down') throw new ChainError(changeId, `its request function moves requests up only, but clients at ${from} are routed to an upstream speaking the older ${to}`);
          hooks.push(ins.fn);
          changeIds.add(changeId);
        }
      }
    }
    if (body || headerRenames.length || hooks.length) plans.push({ body, headerRenames, hooks });
  }
  const clientOp = operationIn(model, from, headKey);
  const coerceForm = formCoercion(model.docs.get(from)!, clientOp && requestSchema(model.docs.get(from)!, clientOp));
  return {
    active: plans.length > 0,
    needsBody: plans.some((p) => p.body || p.hooks.length > 0),
    changeIds: [...changeIds],
    coerceForm,
    run(parts) {
      for (const plan of plans) {
        if (plan.body && parts.body !== undefined) parts.body = plan.body(parts.body);
        renameHeaders(parts.headers, plan.headerRenames);
        for (const hook of plan.hooks) hook(parts);
      }
    },
  };
}

export function buildResponseChain(model: VersionModel, headKey: string, from: string, to: string): ResponseChain {
  const views = viewsBetween(model, headKey, from, to);
  const changeIds = new Set<string>();
  for (const { step, direction, doc, op } of views) {
    const found = new Set<string>();
    for (const schema of responseSchemas(doc, op).values()) locate(doc, schema, targetsFor(step, direction), found);
    touching(step, found, changeIds);
  }
  const plans: ResponseStepPlan[] = [];
  for (const segment of segments(views, headKey, 'response')) {
    const { doc, op } = segment[0];
    const ops = fusedOps(segment);
    const bodies = new Map<string, Walk>();
    const schemas = responseSchemas(doc, op);
    for (const [status, schema] of schemas) {
      const walk = walkOf(doc, schema, ops);
      if (walk) bodies.set(status, walk);
    }
    const headerRenames: [string, string][] = [];
    const hooks: { status?: number; fn: (r: ResponseParts) => void }[] = [];
    const statusMap = new Map<number, number>();
    for (const { step, direction } of segment) {
      for (const { changeId, instruction: ins } of step.endpoints.get(headKey) ?? []) {
        if (ins.kind === 'header-renamed' && ins.in === 'response') headerRenames.push(direction === 'up' ? [ins.from, ins.to] : [ins.to, ins.from]);
        else if (ins.kind === 'status-changed') statusMap.set(direction === 'down' ? ins.to : ins.from, direction === 'down' ? ins.from : ins.to);
        else if (ins.kind === 'response-hook') {
          if (direction === 'up') throw new ChainError(changeId, `its response function moves responses down only, but clients at ${to} are routed to an upstream speaking the older ${from}`);
          hooks.push({ status: ins.status, fn: ins.fn });
        } else continue;
        changeIds.add(changeId);
      }
    }
    if (bodies.size || headerRenames.length || hooks.length || statusMap.size) {
      plans.push({ bodies, statusKeys: [...schemas.keys()], headerRenames, hooks, statusMap });
    }
  }
  return {
    active: plans.length > 0,
    touchesHeaders: plans.some((p) => p.headerRenames.length > 0 || p.hooks.length > 0),
    changeIds: [...changeIds],
    needsBody(status) {
      // Follow the status through the chain: a step may change it for the next.
      let s = status;
      for (const plan of plans) {
        const key = statusKey(plan.statusKeys, s);
        if ((key && plan.bodies.has(key)) || plan.hooks.some((h) => h.status === undefined || h.status === s)) return true;
        s = plan.statusMap.get(s) ?? s;
      }
      return false;
    },
    run(parts) {
      for (const plan of plans) {
        const key = statusKey(plan.statusKeys, parts.status);
        const walk = key === undefined ? undefined : plan.bodies.get(key);
        if (walk && parts.body !== undefined) parts.body = walk(parts.body);
        for (const hook of plan.hooks) if (hook.status === undefined || hook.status === parts.status) hook.fn(parts);
        renameHeaders(parts.headers, plan.headerRenames);
        parts.status = plan.statusMap.get(parts.status) ?? parts.status;
      }
    },
  };
}

/** Record the changes whose schema instructions found something in this operation. */
function touching(step: Step, found: Set<string>, into: Set<string>): void {
  if (found.size === 0) return;
  const names = new Set(found);
  for (const [older, newer] of step.renamedSchemas) if (found.has(older)) names.add(newer);
  for (const c of step.changes) {
    if (c.change.instructions.some((i) => 'schema' in i && typeof i.schema === 'string' && names.has(i.schema))) into.add(c.id);
  }
}

function renameHeaders(headers: Record<string, string>, renames: [string, string][]): void {
  for (const [from, to] of renames) {
    if (headers[from] !== undefined) {
      headers[to] = headers[from];
      delete headers[from];
    }
  }
}

