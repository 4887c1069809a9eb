/**
 * An OpenAPI document (3.0 or 3.1) as the translation engine reads it: operations, their JSON
 * request and response schemas, and component schemas behind internal `$ref`s. Loading bundles
 * external references into one document and validates it with @readme/openapi-parser.
 */

import { bundle, compileErrors, validate } from '@readme/openapi-parser';
import type { JsonSchema } from './authoring.js';

export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  info: Record<string, unknown>;
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonSchema> } & Record<string, unknown>;
};

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface OperationRef {
  /** `GET /orders/{id}` */
  key: string;
  method: string;
  path: string;
  operationId?: string;
  operation: Record<string, unknown>;
}

const SCHEMA_REF = '#/components/schemas/';

/** Read, bundle and validate an OpenAPI file; throws with the validator's messages. */
export async function loadSpec(file: string): Promise<OpenApiDocument> {
  let doc: OpenApiDocument;
  try {
    doc = await bundle(file) as unknown as OpenApiDocument;
  } catch (err) {
    throw new Error(`${file}: cannot read the OpenAPI document: ${(err as Error).message}`);
  }
  const result = await validate(structuredClone(doc) as never);
  if (!result.valid) throw new Error(`${file}: not a valid OpenAPI document:\n${compileErrors(result)}`);
  return doc;
}

export function operationKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

export function operations(doc: OpenApiDocument): OperationRef[] {
  const out: OperationRef[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as Record<string, unknown> | undefined;
      if (!operation) continue;
      out.push({ key: operationKey(method, path), method: method.toUpperCase(), path, operationId: operation.operationId as string | undefined, operation });
    }
  }
  return out;
}

/** Find an operation by `METHOD /path` or by operationId. */
export function findOperation(doc: OpenApiDocument, name: string): OperationRef | undefined {
  const all = operations(doc);
  const space = name.indexOf(' ');
  if (space !== -1) {
    const key = operationKey(name.slice(0, space), name.slice(space + 1).trim());
    return all.find((op) => op.key === key);
  }
  return all.find((op) => op.operationId === name);
}

export function componentSchemas(doc: OpenApiDocument): Record<string, JsonSchema> {
  return doc.components?.schemas ?? {};
}

/** `#/components/schemas/Order` → `Order`; undefined for other refs. */
export function schemaRefName(ref: unknown): string | undefined {
  return typeof ref === 'string' && ref.startsWith(SCHEMA_REF) ? decodeURIComponent(ref.slice(SCHEMA_REF.length)) : undefined;
}

export function schemaRef(name: string): string {
  return `${SCHEMA_REF}${name}`;
}

/** Follow a `$ref` chain to the schema object it names (components only). */
export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema | undefined, seen = new Set<string>()): JsonSchema | undefined {
  let current = schema;
  while (current && typeof current.$ref === 'string') {
    const name = schemaRefName(current.$ref);
    if (!name || seen.has(name)) return undefined;
    seen.add(name);
    current = componentSchemas(doc)[name];
  }
  return current;
}

function isJson(mediaType: string): boolean {
  const type = mediaType.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json') || type === '*/*';
}

function jsonContentSchema(content: unknown): JsonSchema | undefined {
  if (!content || typeof content !== 'object') return undefined;
  for (const [type, media] of Object.entries(content as Record<string, { schema?: JsonSchema }>)) {
    if (isJson(type) && media?.schema) return media.schema;
  }
  return undefined;
}

function resolveComponent<T>(doc: OpenApiDocument, value: T, kind: string): T {
  const ref = (value as { $ref?: string } | undefined)?.$ref;
  const prefix = `#/components/${kind}/`;
  if (typeof ref === 'string' && ref.startsWith(prefix)) {
    return ((doc.components?.[kind] as Record<string, T> | undefined) ?? {})[ref.slice(prefix.length)];
  }
  return value;
}

/** The JSON schema of an operation's request body, if it has one. */
export function requestSchema(doc: OpenApiDocument, op: OperationRef): JsonSchema | undefined {
  const body = resolveComponent(doc, op.operation.requestBody as { content?: unknown } | undefined, 'requestBodies');
  return jsonContentSchema(body?.content);
}

/** Status key (`200`, `4XX`, `default`) → JSON schema of that response's body. */
export function responseSchemas(doc: OpenApiDocument, op: OperationRef): Map<string, JsonSchema> {
  const out = new Map<string, JsonSchema>();
  const responses = (op.operation.responses ?? {}) as Record<string, unknown>;
  for (const [status, response] of Object.entries(responses)) {
    const resolved = resolveComponent(doc, response as { content?: unknown }, 'responses');
    const schema = jsonContentSchema(resolved?.content);
    if (schema) out.set(status, schema);
  }
  return out;
}

/** Which documented status key a real status falls under: exact, then `4XX`, then `default`. */
export function statusKey(keys: Iterable<string>, status: number): string | undefined {
  const set = new Set(keys);
  const exact = String(status);
  if (set.has(exact)) return exact;
  const range = `${exact[0]}XX`;
  if (set.has(range)) return range;
  if (set.has(range.toLowerCase())) return range.toLowerCase();
  return set.has('default') ? 'default' : undefined;
}
