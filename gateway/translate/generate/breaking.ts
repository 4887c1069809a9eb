/**
 * The differences between two documents of one version's contract, classified as oasdiff does
 * (issue 11): what a client written against `before` may no longer get right against `after` is
 * breaking. Requests narrowed and responses widened break clients: an endpoint or response status
 * removed, a response property removed, a type changed, a request enum value removed or a
 * response enum value added, a new required request property, a request property that became
 * required or a response property that became optional, a request that stopped accepting null or
 * a response that may now send it. Everything else (additions clients may ignore, text) is listed
 * as non-breaking.
 *
 * Works on the documents Verso writes (versions/lock, `verso spec`): `$ref`s to
 * `#/components/...` are followed in each document; a schema compared again while already being
 * compared (a recursive schema) is not walked twice.
 */

type Doc = Record<string, unknown>;
type Schema = Record<string, unknown>;

export interface Finding {
  breaking: boolean;
  /** A short rule name, as oasdiff names its checks (`response-property-removed`). */
  rule: string;
  /** `GET /orders/{id}`, or undefined for a finding about the document as a whole. */
  operation?: string;
  /** Where in the operation: `response 200 body /data/items/amount`, `request body /customer`. */
  where: string;
  message: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function classify(before: Doc, after: Doc): Finding[] {
  const findings: Finding[] = [];
  const add = (breaking: boolean, rule: string, operation: string | undefined, where: string, message: string) => findings.push({ breaking, rule, operation, where, message });
  const pathsBefore = (before.paths ?? {}) as Record<string, Record<string, unknown>>;
  const pathsAfter = (after.paths ?? {}) as Record<string, Record<string, unknown>>;
  for (const [path, itemBefore] of Object.entries(pathsBefore)) {
    for (const method of METHODS) {
      const opBefore = itemBefore?.[method] as Record<string, unknown> | undefined;
      if (!opBefore) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const opAfter = pathsAfter[path]?.[method] as Record<string, unknown> | undefined;
      if (!opAfter) {
        add(true, 'endpoint-removed', key, 'endpoint', `${key} was removed`);
        continue;
      }
      compareOperation(before, after, key, opBefore, opAfter, add);
    }
  }
  for (const [path, itemAfter] of Object.entries(pathsAfter)) {
    for (const method of METHODS) {
      if (itemAfter?.[method] && !pathsBefore[path]?.[method]) add(false, 'endpoint-added', `${method.toUpperCase()} ${path}`, 'endpoint', `${method.toUpperCase()} ${path} was added`);
    }
  }
  return findings;
}

type Add = (breaking: boolean, rule: string, operation: string | undefined, where: string, message: string) => void;

function compareOperation(before: Doc, after: Doc, key: string, opBefore: Record<string, unknown>, opAfter: Record<string, unknown>, add: Add): void {
  // Parameters: a new required one breaks requests; one removed is the client sending more than needed.
  const params = (op: Record<string, unknown>, doc: Doc) => new Map(((op.parameters ?? []) as Schema[]).map((p) => deref(doc, p)).map((p) => [`${String(p.in)} ${String(p.name)}`, p]));
  const paramsBefore = params(opBefore, before);
  for (const [id, p] of params(opAfter, after)) {
    const was = paramsBefore.get(id);
    if (!was && p.required === true) add(true, 'new-required-request-parameter', key, `${id} parameter`, `the ${id} parameter is new and required`);
    else if (was && was.required !== true && p.required === true) add(true, 'request-parameter-became-required', key, `${id} parameter`, `the ${id} parameter became required`);
    else if (!was) add(false, 'new-optional-request-parameter', key, `${id} parameter`, `the optional ${id} parameter was added`);
  }

  const bodyBefore = jsonSchema(before, (opBefore.requestBody as Schema | undefined));
  const bodyAfter = jsonSchema(after, (opAfter.requestBody as Schema | undefined));
  if (bodyBefore && bodyAfter) compareSchema(before, after, bodyBefore, bodyAfter, 'request', key, 'request body', add, new Set());

  const responsesBefore = (opBefore.responses ?? {}) as Record<string, Schema>;
  const responsesAfter = (opAfter.responses ?? {}) as Record<string, Schema>;
  for (const [status, response] of Object.entries(responsesBefore)) {
    const now = responsesAfter[status];
    if (!now) {
      add(true, 'response-status-removed', key, `response ${status}`, `response ${status} was removed`);
      continue;
    }
    const b = jsonSchema(before, response);
    const a = jsonSchema(after, now);
    if (b && a) compareSchema(before, after, b, a, 'response', key, `response ${status} body`, add, new Set());
  }
  for (const status of Object.keys(responsesAfter)) {
    if (!responsesBefore[status]) add(false, 'response-status-added', key, `response ${status}`, `response ${status} was added`);
  }
}

function compareSchema(before: Doc, after: Doc, b0: Schema, a0: Schema, direction: 'request' | 'response', key: string, where: string, add: Add, seen: Set<string>): void {
  const pair = `${JSON.stringify(b0)}\u0000${JSON.stringify(a0)}`;
  if (seen.has(pair)) return;
  seen.add(pair);
  const b = deref(before, b0);
  const a = deref(after, a0);
  const request = direction === 'request';

  const typesBefore = types(b);
  const typesAfter = types(a);
  if (typesBefore && typesAfter && !sameSet(typesBefore, typesAfter)) {
    add(true, `${direction}-type-changed`, key, where, `${where}: the type changed from ${[...typesBefore].join('|')} to ${[...typesAfter].join('|')}`);
    return;
  }
  const nullBefore = nullable(b);
  const nullAfter = nullable(a);
  if (request && nullBefore && !nullAfter) add(true, 'request-no-longer-nullable', key, where, `${where} no longer accepts null`);
  if (!request && !nullBefore && nullAfter) add(true, 'response-became-nullable', key, where, `${where} may now be null`);

  const enumBefore = Array.isArray(b.enum) ? b.enum.map((v) => JSON.stringify(v)) : undefined;
  const enumAfter = Array.isArray(a.enum) ? a.enum.map((v) => JSON.stringify(v)) : undefined;
  if (enumBefore && enumAfter) {
    const removed = enumBefore.filter((v) => !enumAfter.includes(v));
    const added = enumAfter.filter((v) => !enumBefore.includes(v));
    if (removed.length > 0) add(request, `${direction}-enum-value-removed`, key, where, `${where}: ${removed.join(', ')} no longer allowed`);
    if (added.length > 0) add(!request, `${direction}-enum-value-added`, key, where, `${where}: ${added.join(', ')} now allowed`);
  } else if (enumAfter && !enumBefore && request) {
    add(true, 'request-enum-added', key, where, `${where} is now limited to ${enumAfter.join(', ')}`);
  } else if (enumBefore && !enumAfter && !request) {
    add(true, 'response-enum-removed', key, where, `${where} is no longer limited to ${enumBefore.join(', ')}`);
  }

  const propsBefore = (b.properties ?? {}) as Record<string, Schema>;
  const propsAfter = (a.properties ?? {}) as Record<string, Schema>;
  const requiredBefore = new Set((b.required ?? []) as string[]);
  const requiredAfter = new Set((a.required ?? []) as string[]);
  for (const [name, schema] of Object.entries(propsBefore)) {
    const at = `${where}/${name}`;
    if (!(name in propsAfter)) {
      if (request) add(false, 'request-property-removed', key, at, `${at} was removed (clients that send it are ignored)`);
      else add(true, 'response-property-removed', key, at, `${at} was removed`);
      continue;
    }
    if (request && !requiredBefore.has(name) && requiredAfter.has(name)) add(true, 'request-property-became-required', key, at, `${at} became required`);
    if (!request && requiredBefore.has(name) && !requiredAfter.has(name)) add(true, 'response-property-became-optional', key, at, `${at} became optional`);
    compareSchema(before, after, schema, propsAfter[name], direction, key, at, add, seen);
  }
  for (const name of Object.keys(propsAfter)) {
    if (name in propsBefore) continue;
    const at = `${where}/${name}`;
    if (request && requiredAfter.has(name)) add(true, 'new-required-request-property', key, at, `${at} is new and required`);
    else add(false, `${direction}-property-added`, key, at, `${at} was added`);
  }
  if (b.items && a.items) compareSchema(before, after, b.items as Schema, a.items as Schema, direction, key, `${where}/items`, add, seen);
  for (const combinator of ['allOf', 'oneOf', 'anyOf'] as const) {
    const partsBefore = (b[combinator] ?? []) as Schema[];
    const partsAfter = (a[combinator] ?? []) as Schema[];
    for (let i = 0; i < Math.min(partsBefore.length, partsAfter.length); i++) compareSchema(before, after, partsBefore[i], partsAfter[i], direction, key, `${where}/${combinator}[${i}]`, add, seen);
  }
}

/** The JSON body schema of a request body or response (following `$ref`s to components). */
function jsonSchema(doc: Doc, holder: Schema | undefined): Schema | undefined {
  const resolved = holder && deref(doc, holder);
  const content = resolved?.content as Record<string, { schema?: Schema }> | undefined;
  if (!content) return undefined;
  const type = Object.keys(content).find((t) => /^application\/([\w.+-]*\+)?json\b/.test(t)) ?? Object.keys(content)[0];
  return type ? content[type]?.schema : undefined;
}

function deref(doc: Doc, value: Schema): Schema {
  let current = value;
  for (let hops = 0; hops < 32 && typeof current?.$ref === 'string'; hops++) {
    const ref = current.$ref as string;
    if (!ref.startsWith('#/')) return current;
    let target: unknown = doc;
    for (const part of ref.slice(2).split('/')) target = (target as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (target === undefined) return current;
    current = target as Schema;
  }
  return current;
}

function types(schema: Schema): Set<string> | undefined {
  if (schema.type === undefined) return undefined;
  const list = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];
  return new Set(list.filter((t) => t !== 'null'));
}

function nullable(schema: Schema): boolean {
  return schema.nullable === true || (Array.isArray(schema.type) && schema.type.includes('null'));
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((v) => b.has(v));
}
