/**
 * Small builders for the translation engine's unit tests: inline OpenAPI documents as plain
 * objects, a hand-made LoadedBundle (no files), and one-call runners for request and response
 * chains. Versions are listed newest first, as `versions/index.ts` lists them.
 */
import type { Change, Json, JsonSchema, RequestParts, ResponseParts } from '../../gateway/index.js';
import type { LoadedBundle } from '../../gateway/translate/bundle.js';
import { buildRequestChain, buildResponseChain } from '../../gateway/translate/chain.js';
import { buildModel, type VersionModel } from '../../gateway/translate/model.js';
import { componentSchemas, type OpenApiDocument, type SchemaObject } from '../../gateway/translate/spec.js';

export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** `{ content: { 'application/json': { schema } } }` */
export const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });

/** An operation answering `schema` with `status` (and any further `responses`). */
export function answers(schema: JsonSchema, status = 200, responses: Record<string, unknown> = {}) {
  return { responses: { [String(status)]: { description: 'ok', ...json(schema) }, ...responses } };
}

/** An operation taking `body` and answering `schema` with `status`. */
export function takes(body: JsonSchema, schema: JsonSchema = body, status = 200) {
  return { requestBody: json(body), ...answers(schema, status) };
}

export function openapi(version: string, schemas: Record<string, JsonSchema>, paths: Record<string, Record<string, unknown>>): OpenApiDocument {
  return { openapi: '3.1.0', info: { title: 'test', version }, paths, components: { schemas } };
}

/** A bundle built by hand: `[[newest, { 'file-name': change }], …, [oldest, {}]]`. */
export function bundleOf(entries: [string, Record<string, Change>][]): LoadedBundle {
  return {
    dir: '/virtual/versions',
    indexFile: '/virtual/versions/index.ts',
    versions: entries.map(([id, changes]) => ({
      id,
      changes: Object.entries(changes).map(([name, change]) => ({ id: `${id}/${name}`, file: `/virtual/versions/${id}/${name}.ts`, version: id, change })),
    })),
  };
}

/** The model for `head` (at the newest version) and the changes, as the gateway builds it. */
export function modelOf(head: OpenApiDocument, entries: [string, Record<string, Change>][]): VersionModel {
  return buildModel(head, bundleOf(entries), entries.map(([id]) => id).reverse(), '/virtual/spec.yaml');
}

/** Run the response of `operation` (head key) from the upstream's version to the client's. */
export function respond(model: VersionModel, operation: string, upstream: string, client: string, response: Partial<ResponseParts> & { body?: Json }): ResponseParts {
  const parts: ResponseParts = { status: 200, headers: {}, ...structuredClone(response) } as ResponseParts;
  buildResponseChain(model, operation, upstream, client).run(parts);
  return parts;
}

/** Run the request of `operation` (head key) from the client's version to the upstream's. */
export function send(model: VersionModel, operation: string, client: string, upstream: string, request: Partial<RequestParts> & { body?: Json }): RequestParts {
  const parts: RequestParts = { body: undefined, headers: {}, query: {}, ...structuredClone(request) } as RequestParts;
  buildRequestChain(model, operation, client, upstream).run(parts);
  return parts;
}

/** A component schema of the document `model` derives for `version`. */
export function schemaAt(model: VersionModel, version: string, name: string): SchemaObject | undefined {
  return componentSchemas(model.docs.get(version)!)[name];
}
