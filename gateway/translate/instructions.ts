/**
 * What each declarative instruction means for the OpenAPI documents, in two parts:
 * - `check`: is it valid against the document of the version it belongs to (names exist, …)?
 * - `deriveOlder`: turn that version's document into the previous version's, in place.
 * What an instruction does to bodies is fuse.ts's `programFor`; model.ts calls both.
 */

import type { FieldInstruction, Instruction, Json } from './authoring.js';
import { addSlot, parsePath, removeSlot, slotAt } from './field-path.js';
import { authoredSchema, componentSchemas, findOperation, HTTP_METHODS, isRecord, itemsOf, operations, schemaRef,
  type HttpMethod, type MediaTypeObject, type OpenApiDocument, type PathItemObject, type SchemaObject,
} from './spec.js';

/** The object schema that declares `field` (the schema itself or one of its inline `allOf` parts). */
function holderOf(schema: SchemaObject | undefined, field: string): SchemaObject | undefined {
  if (!schema) return undefined;
  if (schema.properties?.[field] !== undefined) return schema;
  const parts: SchemaObject[] = schema.allOf ?? [];
  for (const part of parts) {
    if (!part.$ref) {
      const found = holderOf(part, field);
      if (found) return found;
    }
  }
  return undefined;
}

function fieldsOf(schema: SchemaObject): string[] {
  const own = Object.keys(schema.properties ?? {});
  const parts = (schema.allOf ?? []).filter((p: SchemaObject) => !p.$ref).flatMap(fieldsOf);
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
  if (fi.kind === 'field-moved') return checkMove(fi, doc, target, version);
  const holder = holderOf(target, fi.field);
  const fields = () => `fields of ${fi.schema} at ${version}: ${fieldsOf(target).join(', ')}`;
  if (fi.kind === 'field-removed') {
    return holder ? `${fi.schema}.${fi.field} still exists at ${version}; removed() describes a field this version no longer has` : undefined;
  }
  if (!holder) return `${fi.schema} has no field "${fi.field}" at ${version}; ${fields()}`;
  // A rename onto a name that another rename of this version vacates is a rotation, not a collision.
  const vacated = fi.kind === 'field-renamed' && siblings.some((o) => o.kind === 'field-renamed' && o.schema === fi.schema && o.field === fi.from);
  if (fi.kind === 'field-renamed' && holderOf(target, fi.from) && !vacated) {
    return `${fi.schema}.${fi.from} also exists at ${version}; renaming ${fi.field} from it would collide`;
  }
  if (fi.kind === 'field-constraint') return checkConstraint(fi, holder, version);
  if (fi.kind === 'enum-renamed') {
    const values = enumOf(holder, fi.field);
    if (!values) return `${fi.schema}.${fi.field} is not an enum at ${version}`;
    if (!values.includes(fi.to)) return `${fi.schema}.${fi.field} has no enum value "${fi.to}" at ${version}; values: ${values.join(', ')}`;
    if (values.includes(fi.from)) return `${fi.schema}.${fi.field} still has the value "${fi.from}" at ${version}`;
  }
  return undefined;
}

/** A move names a field this version has, and a place it does not. */
function checkMove(fi: Extract<FieldInstruction, { kind: 'field-moved' }>, doc: OpenApiDocument, target: SchemaObject, version: string): string | undefined {
  const to = parsePath(fi.field);
  const from = parsePath(fi.from);
  if (!to) return `"${fi.field}" is not a field path (names separated by ".", each optionally "[0]")`;
  if (!from) return `"${fi.from}" is not a field path (names separated by ".", each optionally "[0]")`;
  if (!slotAt(doc, target, to)) return `${fi.schema} has no field at "${fi.field}" at ${version}; movedFrom() names where the field is in this version`;
  if (slotAt(doc, target, from)) return `${fi.schema} still has a field at "${fi.from}" at ${version}, so "${fi.field}" cannot have moved from there`;
  return undefined;
}

/** A requiredness or nullability change must describe the field as this version has it. */
function checkConstraint(fi: Extract<FieldInstruction, { kind: 'field-constraint' }>, holder: SchemaObject, version: string): string | undefined {
  const required = (holder.required ?? []).includes(fi.field);
  const nullable = isNullable(holder.properties![fi.field]);
  const name = `${fi.schema}.${fi.field}`;
  switch (fi.change) {
    case 'became-required': return required ? undefined : `${name} is not required at ${version}; becameRequired() describes a field this version requires`;
    case 'became-optional': return required ? `${name} is still required at ${version}; becameOptional() describes a field this version does not require` : undefined;
    case 'became-nullable': return nullable ? undefined : `${name} does not allow null at ${version}; becameNullable() describes a field this version lets be null`;
    case 'became-non-nullable': return nullable ? `${name} still allows null at ${version}; becameNonNullable() describes a field this version keeps from null` : undefined;
  }
}

/** Whether a property schema admits null: OpenAPI 3.0's `nullable`, 3.1's `type: [..., 'null']`, or a null branch. */
export function isNullable(schema: SchemaObject | undefined): boolean {
  if (!schema) return false;
  if ((schema as { nullable?: boolean }).nullable === true) return true;
  if (Array.isArray(schema.type) && schema.type.includes('null')) return true;
  return [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].some((s: SchemaObject) => s?.type === 'null');
}

/** The property schema with null allowed (`allow`) or not, in the form the document already uses. */
function withNull(schema: SchemaObject, allow: boolean, openapi31: boolean): SchemaObject {
  const out: SchemaObject = { ...schema };
  if (!allow) {
    delete (out as { nullable?: boolean }).nullable;
    if (Array.isArray(out.type)) {
      const types = out.type.filter((t: string) => t !== 'null');
      out.type = types.length === 1 ? types[0] : types;
    }
    for (const key of ['anyOf', 'oneOf'] as const) if (out[key]) out[key] = out[key].filter((s: SchemaObject) => s?.type !== 'null');
    return out;
  }
  if (!openapi31) return { ...out, nullable: true } as SchemaObject;
  if (out.type !== undefined) return { ...out, type: [...(Array.isArray(out.type) ? out.type : [out.type]), 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

function enumOf(holder: SchemaObject, field: string): string[] | undefined {
  const prop: SchemaObject = holder.properties![field];
  return prop.enum ?? itemsOf(prop)?.enum;
}

function checkEndpoint(ins: Exclude<Instruction, FieldInstruction>, doc: OpenApiDocument, version: string): string | undefined {
  if (ins.kind === 'endpoint-removed') {
    const parsed = removedOperation(ins.operation);
    if (!parsed) return `"${ins.operation}" is not "METHOD /path"; removed() names the endpoint as the previous version had it`;
    return findOperation(doc, ins.operation) ? `${ins.operation} still exists at ${version}; removed() describes an endpoint this version no longer has` : undefined;
  }
  const op = findOperation(doc, ins.operation);
  if (!op) return `operation "${ins.operation}" does not exist at ${version}; operations at ${version}: ${operations(doc).map((o) => o.key).join(', ')} (name one as "METHOD /path" or by its operationId)`;
  const responses = Object.keys(op.operation.responses ?? {});
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

/** `GET /orders/{id}/summary` → its method field and path, for an endpoint a version removed. */
export function removedOperation(operation: string): { field: HttpMethod; path: string } | undefined {
  const match = /^([A-Za-z]+) (\/\S*)$/.exec(operation.trim());
  const field = match?.[1].toLowerCase() as HttpMethod | undefined;
  return match && field && HTTP_METHODS.includes(field) ? { field, path: match[2] } : undefined;
}

/** Rewrite `doc` (the instruction's version) into the previous version's document. */
export function deriveOlder(ins: Instruction, doc: OpenApiDocument): void {
  const schemas = componentSchemas(doc);
  switch (ins.kind) {
    case 'endpoint-removed': {
      const { field, path } = removedOperation(ins.operation)!;
      doc.paths ??= {};
      const item = (doc.paths[path] ??= {}) as Record<string, unknown>;
      item[field] = structuredClone(ins.spec);
      break;
    }
    case 'field-renamed':
      renameFields(doc, ins.schema, new Map([[ins.field, ins.from]]));
      break;
    case 'field-added': {
      const holder = holderOf(schemas[ins.schema], ins.field)!;
      const props: Record<string, SchemaObject> = { ...holder.properties };
      delete props[ins.field];
      holder.properties = props;
      if (holder.required) holder.required = holder.required.filter((r) => r !== ins.field);
      break;
    }
    case 'field-removed': {
      const target = schemas[ins.schema];
      target.properties = { ...target.properties, [ins.field]: authoredSchema(structuredClone(ins.fieldSchema)) };
      if (ins.required) target.required = [...(target.required ?? []), ins.field];
      break;
    }
    case 'field-converted': {
      const holder = holderOf(schemas[ins.schema], ins.field)!;
      holder.properties![ins.field] = authoredSchema(structuredClone(ins.fieldSchema));
      break;
    }
    case 'enum-renamed': {
      const holder = holderOf(schemas[ins.schema], ins.field)!;
      const prop: SchemaObject = holder.properties![ins.field];
      const owner = prop.enum ? prop : itemsOf(prop)!;
      owner.enum = owner.enum!.map((v: Json) => (v === ins.to ? ins.from : v));
      if (owner.default === ins.to) owner.default = ins.from;
      break;
    }
    case 'field-moved': {
      const to = parsePath(ins.field)!;
      const slot = slotAt(doc, schemas[ins.schema], to)!;
      const property = structuredClone(slot.schema);
      removeSlot(doc, schemas[ins.schema], to);
      addSlot(doc, schemas[ins.schema], parsePath(ins.from)!, property, slot.required);
      break;
    }
    case 'field-constraint': {
      const holder = holderOf(schemas[ins.schema], ins.field)!;
      if (ins.change === 'became-required') holder.required = (holder.required ?? []).filter((r: string) => r !== ins.field);
      else if (ins.change === 'became-optional') holder.required = [...(holder.required ?? []), ins.field];
      else holder.properties = { ...holder.properties, [ins.field]: withNull(holder.properties![ins.field], ins.change === 'became-non-nullable', String(doc.openapi).startsWith('3.1')) };
      if (holder.required?.length === 0) delete holder.required;
      break;
    }
    case 'schema-renamed': {
      renameKey(schemas, ins.schema, ins.from);
      rewriteRefs(doc, ins.schema, ins.from);
      break;
    }
    case 'schema-converted':
    case 'request-hook':
    case 'header-renamed':
      break;
    case 'endpoint-added': {
      const op = findOperation(doc, ins.operation)!;
      const item = doc.paths![op.path]!;
      delete item[op.field];
      if (!Object.keys(item).some((k) => k !== 'parameters' && k !== 'summary' && k !== 'description' && k !== 'servers')) delete doc.paths![op.path];
      break;
    }
    case 'endpoint-renamed': {
      const op = findOperation(doc, ins.operation)!;
      const item = doc.paths![op.path]!;
      const target = (doc.paths![ins.fromPath] ??= {});
      moveOperation(item, target, op.field);
      if (item.parameters && !target.parameters) target.parameters = item.parameters;
      if (!HTTP_METHODS.some((k) => k in item)) delete doc.paths![op.path];
      break;
    }
    case 'status-changed': {
      const op = findOperation(doc, ins.operation)!;
      if (op.operation.responses) renameKey(op.operation.responses, String(ins.to), String(ins.from));
      break;
    }
    case 'response-hook': {
      if (!ins.schema) break;
      const op = findOperation(doc, ins.operation)!;
      for (const [status, response] of Object.entries(op.operation.responses ?? {})) {
        if ('$ref' in response || (ins.status !== undefined && status !== String(ins.status))) continue;
        const content: Record<string, MediaTypeObject> = response.content ?? {};
        for (const media of Object.values(content)) media.schema = authoredSchema(structuredClone(ins.schema));
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
  const holders = new Set([...renames.keys()].map((field) => holderOf(target, field)).filter((h): h is SchemaObject => !!h));
  for (const holder of holders) {
    const out: Record<string, SchemaObject> = {};
    for (const [key, value] of Object.entries(holder.properties ?? {})) out[renames.get(key) ?? key] = value;
    holder.properties = out;
    if (holder.required) holder.required = holder.required.map((r) => renames.get(r) ?? r);
  }
}

/** Move the operation at `field` of one path item to another path item of the same document. */
function moveOperation<P extends PathItemObject>(from: P, to: P, field: HttpMethod): void {
  const operation = from[field];
  delete from[field];
  to[field] = operation;
}

/** Rename one key of `object` in place, keeping the order of the keys. */
function renameKey(object: Record<string, unknown>, from: string, to: string): void {
  const entries = Object.entries(object);
  for (const [key] of entries) delete object[key];
  for (const [key, value] of entries) object[key === from ? to : key] = value;
}

/**
 * Point every `$ref` to schema `from` at `to`, and every discriminator mapping value too (a
 * mapping names its schema by ref or by bare name, and a stale one breaks variant matching).
 */
function rewriteRefs(value: unknown, from: string, to: string): void {
  if (Array.isArray(value)) { for (const v of value) rewriteRefs(v, from, to); return; }
  if (!isRecord(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (key === '$ref' && v === schemaRef(from)) value[key] = schemaRef(to);
    else if (key === 'discriminator' && isRecord(v) && isRecord(v.mapping)) {
      const mapping = v.mapping;
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

const FIELD_KINDS = new Set(['field-renamed', 'field-added', 'field-removed', 'field-converted', 'enum-renamed', 'field-constraint', 'field-moved', 'schema-renamed', 'schema-converted']);

export function isFieldInstruction(ins: Instruction): ins is FieldInstruction {
  return FIELD_KINDS.has(ins.kind);
}
