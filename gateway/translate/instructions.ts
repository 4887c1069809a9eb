/**
 * What each declarative instruction means for the OpenAPI documents, in two parts:
 * - `check`: is it valid against the document of the version it belongs to (names exist, …)?
 * - `deriveOlder`: turn that version's document into the previous version's, in place.
 * What an instruction does to bodies is fuse.ts's `programFor`; model.ts calls both.
 */

import type { FieldInstruction, Instruction, Json, JsonSchema } from './authoring.js';
import { componentSchemas, findOperation, HTTP_METHODS, operations, schemaRef, type OpenApiDocument } from './spec.js';

/** The object schema that declares `field` (the schema itself or one of its inline `allOf` parts). */
function holderOf(schema: JsonSchema | undefined, field: string): JsonSchema | undefined {
  if (!schema) return undefined;
  if ((schema.properties as Record<string, unknown> | undefined)?.[field] !== undefined) return schema;
  for (const part of (schema.allOf as JsonSchema[] | undefined) ?? []) {
    if (!part.$ref) {
      const found = holderOf(part, field);
      if (found) return found;
    }
  }
  return undefined;
}

function fieldsOf(schema: JsonSchema): string[] {
  const own = Object.keys((schema.properties as object | undefined) ?? {});
  const parts = ((schema.allOf as JsonSchema[] | undefined) ?? []).filter((p) => !p.$ref).flatMap(fieldsOf);
  return [...own, ...parts];
}

/** A problem with the instruction against the document of `version`, or undefined. */
export function check(ins: Instruction, doc: OpenApiDocument, version: string, siblings: readonly Instruction[] = []): string | undefined {
  if (!isFieldInstruction(ins)) return checkEndpoint(ins, doc, version);
  const fi = ins;
  const schemas = componentSchemas(doc);
  const target = schemas[fi.schema];
  if (!target) return `schema "${fi.schema}" does not exist at ${version}; known schemas: ${Object.keys(schemas).join(', ')}`;
  if (fi.kind === 'schema-renamed') {
    return schemas[fi.from] ? `schema "${fi.from}" already exists at ${version}, so "${fi.schema}" cannot have been called that` : undefined;
  }
  if (fi.kind === 'schema-converted') return fi.up || fi.down ? undefined : 'converted() needs an up or a down function';
  const holder = holderOf(target, fi.field);
  const fields = () => `fields of ${fi.schema} at ${version}: ${fieldsOf(target).join(', ')}`;
  if (fi.kind === 'field-removed') {
    return holder ? `${fi.schema}.${fi.field} still exists at ${version}; removed() describes a field this version no longer has` : undefined;
  }
  if (!holder) return `${fi.schema} has no field "${fi.field}" at ${version}; ${fields()}`;
  // A rename onto a name that another rename of this version vacates is a rotation, not a collision.
  const vacated = siblings.some((o) => o.kind === 'field-renamed' && o.schema === fi.schema && o.field === (fi as { from?: string }).from);
  if (fi.kind === 'field-renamed' && holderOf(target, fi.from) && !vacated) {
    return `${fi.schema}.${fi.from} also exists at ${version}; renaming ${fi.field} from it would collide`;
  }
  if (fi.kind === 'enum-renamed') {
    const values = enumOf(holder, fi.field);
    if (!values) return `${fi.schema}.${fi.field} is not an enum at ${version}`;
    if (!values.includes(fi.to)) return `${fi.schema}.${fi.field} has no enum value "${fi.to}" at ${version}; values: ${values.join(', ')}`;
    if (values.includes(fi.from)) return `${fi.schema}.${fi.field} still has the value "${fi.from}" at ${version}`;
  }
  return undefined;
}

function enumOf(holder: JsonSchema, field: string): string[] | undefined {
  const prop = (holder.properties as Record<string, JsonSchema>)[field];
  const values = (prop.enum ?? (prop.items as JsonSchema | undefined)?.enum) as string[] | undefined;
  return values;
}

function checkEndpoint(ins: Exclude<Instruction, FieldInstruction>, doc: OpenApiDocument, version: string): string | undefined {
  const op = findOperation(doc, ins.operation);
  if (!op) return `operation "${ins.operation}" does not exist at ${version}; operations at ${version}: ${operations(doc).map((o) => o.key).join(', ')} (name one as "METHOD /path" or by its operationId)`;
  const responses = Object.keys((op.operation.responses ?? {}) as object);
  switch (ins.kind) {
    case 'endpoint-renamed': {
      const clash = findOperation(doc, `${op.method} ${ins.fromPath}`);
      if (clash) return `${op.method} ${ins.fromPath} still exists at ${version}, so ${op.key} cannot have been called that`;
      const params = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort().join(',');
      if (params(ins.fromPath) !== params(op.path)) return `${ins.fromPath} and ${op.path} must have the same path parameters`;
      return undefined;
    }
    case 'status-changed':
      if (!responses.includes(String(ins.to))) return `${op.key} documents no ${ins.to} response at ${version}; responses: ${responses.join(', ')}`;
      if (responses.includes(String(ins.from))) return `${op.key} still documents a ${ins.from} response at ${version}`;
      return undefined;
    case 'response-hook':
      if (ins.status !== undefined && !responses.includes(String(ins.status))) return `${op.key} documents no ${ins.status} response at ${version}; responses: ${responses.join(', ')}`;
      return undefined;
    default:
      return undefined;
  }
}

/** Rewrite `doc` (the instruction's version) into the previous version's document. */
export function deriveOlder(ins: Instruction, doc: OpenApiDocument): void {
  const schemas = componentSchemas(doc);
  switch (ins.kind) {
    case 'field-renamed':
      renameFields(doc, ins.schema, new Map([[ins.field, ins.from]]));
      break;
    case 'field-added': {
      const holder = holderOf(schemas[ins.schema], ins.field)!;
      const props = { ...(holder.properties as Record<string, unknown>) };
      delete props[ins.field];
      holder.properties = props;
      if (holder.required) holder.required = (holder.required as string[]).filter((r) => r !== ins.field);
      break;
    }
    case 'field-removed': {
      const target = schemas[ins.schema];
      target.properties = { ...(target.properties as Record<string, unknown> | undefined), [ins.field]: structuredClone(ins.fieldSchema) };
      if (ins.required) target.required = [...((target.required as string[] | undefined) ?? []), ins.field];
      break;
    }
    case 'field-converted': {
      const holder = holderOf(schemas[ins.schema], ins.field)!;
      (holder.properties as Record<string, unknown>)[ins.field] = structuredClone(ins.fieldSchema);
      break;
    }
    case 'enum-renamed': {
      const holder = holderOf(schemas[ins.schema], ins.field)!;
      const prop = (holder.properties as Record<string, JsonSchema>)[ins.field];
      const owner = prop.enum ? prop : (prop.items as JsonSchema);
      owner.enum = (owner.enum as Json[]).map((v) => (v === ins.to ? ins.from : v));
      if (owner.default === ins.to) owner.default = ins.from;
      break;
    }
    case 'schema-renamed': {
      doc.components!.schemas = renameKey(schemas, ins.schema, ins.from) as Record<string, JsonSchema>;
      rewriteRefs(doc, ins.schema, ins.from);
      break;
    }
    case 'schema-converted':
    case 'request-hook':
    case 'header-renamed':
      break;
    case 'endpoint-added': {
      const op = findOperation(doc, ins.operation)!;
      const item = doc.paths![op.path];
      delete item[op.method.toLowerCase()];
      if (!Object.keys(item).some((k) => k !== 'parameters' && k !== 'summary' && k !== 'description' && k !== 'servers')) delete doc.paths![op.path];
      break;
    }
    case 'endpoint-renamed': {
      const op = findOperation(doc, ins.operation)!;
      const item = doc.paths![op.path];
      delete item[op.method.toLowerCase()];
      const target = (doc.paths![ins.fromPath] ??= {});
      target[op.method.toLowerCase()] = op.operation;
      if (item.parameters && !target.parameters) target.parameters = item.parameters;
      if (!HTTP_METHODS.some((k) => k in item)) delete doc.paths![op.path];
      break;
    }
    case 'status-changed': {
      const op = findOperation(doc, ins.operation)!;
      op.operation.responses = renameKey(op.operation.responses as Record<string, unknown>, String(ins.to), String(ins.from));
      break;
    }
    case 'response-hook': {
      if (!ins.schema) break;
      const op = findOperation(doc, ins.operation)!;
      const responses = op.operation.responses as Record<string, { content?: Record<string, { schema?: unknown }> }>;
      for (const [status, response] of Object.entries(responses)) {
        if (ins.status !== undefined && status !== String(ins.status)) continue;
        for (const media of Object.values(response.content ?? {})) media.schema = structuredClone(ins.schema);
      }
      break;
    }
  }
}

/**
 * Rename fields of one schema simultaneously (`customer_id → customer` and `customer →
 * customer_details` in one version is a rotation; applied one by one they would collide).
 */
export function renameFields(doc: OpenApiDocument, schemaName: string, renames: Map<string, string>): void {
  const target = componentSchemas(doc)[schemaName];
  const holders = new Set([...renames.keys()].map((field) => holderOf(target, field)).filter((h): h is JsonSchema => !!h));
  for (const holder of holders) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(holder.properties as Record<string, unknown>)) out[renames.get(key) ?? key] = value;
    holder.properties = out;
    if (holder.required) holder.required = (holder.required as string[]).map((r) => renames.get(r) ?? r);
  }
}

function renameKey<T>(object: Record<string, T>, from: string, to: string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(object)) out[key === from ? to : key] = value;
  return out;
}

/**
 * Point every `$ref` to schema `from` at `to`, and every discriminator mapping value too (a
 * mapping names its schema by ref or by bare name, and a stale one breaks variant matching).
 */
function rewriteRefs(value: unknown, from: string, to: string): void {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) { for (const v of value) rewriteRefs(v, from, to); return; }
  const object = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(object)) {
    if (key === '$ref' && v === schemaRef(from)) object[key] = schemaRef(to);
    else if (key === 'discriminator' && v && typeof v === 'object' && (v as { mapping?: unknown }).mapping) {
      const mapping = (v as { mapping: Record<string, string> }).mapping;
      for (const [name, target] of Object.entries(mapping)) {
        if (target === schemaRef(from)) mapping[name] = schemaRef(to);
        else if (target === from) mapping[name] = to;
      }
    } else rewriteRefs(v, from, to);
  }
}

/** Schemas whose objects an instruction changes (renames of schemas change no JSON). */
export function objectSchema(ins: Instruction): string | undefined {
  if (!isFieldInstruction(ins) || ins.kind === 'schema-renamed') return undefined;
  if (ins.kind === 'schema-converted' && !ins.up && !ins.down) return undefined;
  return ins.schema;
}

const FIELD_KINDS = new Set(['field-renamed', 'field-added', 'field-removed', 'field-converted', 'enum-renamed', 'schema-renamed', 'schema-converted']);

export function isFieldInstruction(ins: Instruction): ins is FieldInstruction {
  return FIELD_KINDS.has(ins.kind);
}
