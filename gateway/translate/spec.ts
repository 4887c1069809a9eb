/**
 * An OpenAPI document (3.0 or 3.1) as the translation engine reads it: operations, their JSON
 * request and response schemas, and component schemas behind internal `$ref`s. Loading bundles
 * external references into one document and validates it with @readme/openapi-parser. Documents
 * are typed with openapi-types: a union of the 3.0 and 3.1 types, which the engine reads alike.
 */

import { createHash } from 'node:crypto';
import { bundle, compileErrors, validate } from '@readme/openapi-parser';
import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';
import type { JsonSchema } from './authoring.js';

export type OpenApiDocument = OpenAPIV3.Document | OpenAPIV3_1.Document;
/**
 * A Schema Object of either dialect. `$ref` may stand alone (a Reference Object) or, in 3.1,
 * beside other keywords; a `$ref` to a component schema is followed, keywords beside it not read.
 */
export type SchemaObject = (OpenAPIV3.SchemaObject | OpenAPIV3_1.SchemaObject) & { $ref?: string };
export type PathItemObject = OpenAPIV3.PathItemObject | OpenAPIV3_1.PathItemObject;
export type OperationObject = OpenAPIV3.OperationObject | OpenAPIV3_1.OperationObject;
export type RequestBodyObject = OpenAPIV3.RequestBodyObject | OpenAPIV3_1.RequestBodyObject;
export type ResponseObject = OpenAPIV3.ResponseObject | OpenAPIV3_1.ResponseObject;
export type MediaTypeObject = OpenAPIV3.MediaTypeObject | OpenAPIV3_1.MediaTypeObject;
export type ReferenceObject = OpenAPIV3.ReferenceObject;
export type DiscriminatorObject = OpenAPIV3.DiscriminatorObject;
export type ExampleObject = OpenAPIV3.ExampleObject;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** A path item's field for an operation: `get`, `post`, … */
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface OperationRef {
  /** `GET /orders/{id}` */
  key: string;
  /** Upper case: `GET`. */
  method: string;
  /** The path item's field that holds the operation: `get`. */
  field: HttpMethod;
  path: string;
  operationId?: string;
  operation: OperationObject;
}

const SCHEMA_REF = '#/components/schemas/';

/**
 * Each file's last document that passed validation, by the hash of its bundled text. The
 * validator compiles the whole OpenAPI meta-schema into a fresh Ajv on every call (tens of
 * milliseconds and a large generated function each time): a reload whose spec has not changed
 * skips it (issue 13, bench/reloads.mjs). A changed spec is validated as at start-up.
 */
const validated = new Map<string, string>();

/** Read, bundle and validate an OpenAPI file; throws with the validator's messages. */
export async function loadSpec(file: string): Promise<OpenApiDocument> {
  let doc: Awaited<ReturnType<typeof bundle>>;
  try {
    doc = await bundle(file);
  } catch (err) {
    throw new Error(`${file}: cannot read the OpenAPI document: ${err instanceof Error ? err.message : String(err)}`);
  }
  const hash = createHash('sha256').update(JSON.stringify(doc)).digest('base64');
  if (validated.get(file) !== hash) {
    const result = await validate(structuredClone(doc));
    if (!result.valid) throw new Error(`${file}: not a valid OpenAPI document:\n${compileErrors(result)}`);
    validated.set(file, hash);
  }
  if (!('openapi' in doc)) throw new Error(`${file}: is a Swagger 2.0 document; Verso reads OpenAPI 3.0 and 3.1 (convert it, for example with swagger2openapi)`);
  return doc;
}

export function operationKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

export function operations(doc: OpenApiDocument): OperationRef[] {
  const out: OperationRef[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = item?.[method];
      if (!operation) continue;
      out.push({ key: operationKey(method, path), method: method.toUpperCase(), field: method, path, operationId: operation.operationId, operation });
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

export function componentSchemas(doc: OpenApiDocument): Record<string, SchemaObject> {
  return doc.components?.schemas ?? {};
}

/** A JSON object (not an array, not null): how the walkers over a whole document see its parts. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** An array schema's `items` (absent from the types of a schema that is not an array). */
export function itemsOf(schema: SchemaObject): SchemaObject | undefined {
  return 'items' in schema ? schema.items : undefined;
}

/**
 * A schema an author wrote in a change (`removed({ schema })`, a response hook's `schema`) as the
 * derived document holds it: taken as written, in the head document's dialect.
 */
export function authoredSchema(schema: JsonSchema): SchemaObject {
  return schema as SchemaObject;
}

/** `#/components/schemas/Order` → `Order`; undefined for other refs. */
export function schemaRefName(ref: unknown): string | undefined {
  return typeof ref === 'string' && ref.startsWith(SCHEMA_REF) ? decodeURIComponent(ref.slice(SCHEMA_REF.length)) : undefined;
}

export function schemaRef(name: string): string {
  return `${SCHEMA_REF}${name}`;
}

/** Follow a `$ref` chain to the schema object it names (components only). */
export function resolveSchema(doc: OpenApiDocument, schema: SchemaObject | undefined, seen = new Set<string>()): SchemaObject | undefined {
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

function jsonContentSchema(content: Record<string, MediaTypeObject> | undefined): SchemaObject | undefined {
  if (!content || typeof content !== 'object') return undefined;
  for (const [type, media] of Object.entries(content)) {
    if (isJson(type) && media?.schema) return media.schema;
  }
  return undefined;
}

/**
 * `value`, or the component its `$ref` names (`#/components/<kind>/<name>`, looked up in
 * `components`, the document's components of that kind); undefined for a reference to anything
 * else. With `decode`, the name is percent-decoded first.
 */
export function resolveComponent<T extends object>(
  components: Record<string, T | ReferenceObject> | undefined,
  value: T | ReferenceObject | undefined,
  kind: string,
  decode = false,
): T | undefined {
  if (!value || !('$ref' in value)) return value;
  const prefix = `#/components/${kind}/`;
  if (typeof value.$ref !== 'string' || !value.$ref.startsWith(prefix)) return undefined;
  const name = value.$ref.slice(prefix.length);
  const found = components?.[decode ? decodeURIComponent(name) : name];
  return found && !('$ref' in found) ? found : undefined;
}

/**
 * The schema of an operation's request body, if it has one: its JSON media type's, else its
 * `application/x-www-form-urlencoded` one's (a form body decodes to the same object model,
 * translate/form.ts), so instructions reach bodies declared either way.
 */
export function requestSchema(doc: OpenApiDocument, op: OperationRef): SchemaObject | undefined {
  const content = resolveComponent<RequestBodyObject>(doc.components?.requestBodies, op.operation.requestBody, 'requestBodies')?.content;
  return jsonContentSchema(content) ?? formContentSchema(content);
}

function formContentSchema(content: Record<string, MediaTypeObject> | undefined): SchemaObject | undefined {
  if (!content || typeof content !== 'object') return undefined;
  for (const [type, media] of Object.entries(content)) {
    if (type.split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded' && media?.schema) return media.schema;
  }
  return undefined;
}

/** Status key (`200`, `4XX`, `default`) → JSON schema of that response's body. */
export function responseSchemas(doc: OpenApiDocument, op: OperationRef): Map<string, SchemaObject> {
  const out = new Map<string, SchemaObject>();
  for (const [status, response] of Object.entries(op.operation.responses ?? {})) {
    const schema = jsonContentSchema(resolveComponent<ResponseObject>(doc.components?.responses, response, 'responses')?.content);
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
