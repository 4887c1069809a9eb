/**
 * The payloads `verso check` proves changes with, per version, operation and body (the request,
 * or the response of one status):
 *
 * - at the head: every example the spec gives (the media type's `example` and `examples`, the
 *   schema's `example`/`examples` through its `$ref`s), plus one sample generated from the schema
 *   by openapi-sampler with every optional property filled in, so fields the examples leave out
 *   (such as an order's embedded `customer`) are proven too;
 * - at an older version: the head's payloads moved down to it by the steps in between, plus a
 *   sample generated from that version's derived schema. Derived documents inherit the head's
 *   examples unchanged, which are usually stale, so they are not read at older versions.
 *
 * Only payloads that validate against their own version's schema are used: a step above that
 * produces an invalid payload is reported at its own version pair and does not cascade.
 */

import { sample } from 'openapi-sampler';
import type { Json } from '../authoring.js';
import { buildRequestChain, buildResponseChain } from '../chain.js';
import type { VersionModel } from '../model.js';
import type { DocumentValidator } from './validate.js';
import {
  componentSchemas, findOperation, requestSchema, resolveComponent, responseSchemas, schemaRefName, statusKey,
  type ExampleObject, type MediaTypeObject, type OpenApiDocument, type OperationRef, type RequestBodyObject, type ResponseObject, type SchemaObject,
} from '../spec.js';

export interface Payload {
  /** Where the payload comes from, for messages: `Order example`, `generated sample from 2025-06-01`. */
  label: string;
  body: Json;
  /** Responses: the status it is sent with. */
  status?: number;
}

/** A payload the spec itself gives that fails its own schema: a spec mistake, reported as such. */
export interface InvalidExample { label: string; problems: string[] }

export interface BodyPayloads {
  payloads: Payload[];
  /** Head examples that fail the head schema. */
  invalidExamples: InvalidExample[];
  /** Why the generated sample was not used, when it was not. */
  sampleProblems: string[];
}

/** A response status key as a status code: `201` → 201, `4XX` → 400, `default` → 500. */
export function representativeStatus(key: string): number {
  if (/^\d{3}$/.test(key)) return Number(key);
  if (/^[1-5]xx$/i.test(key)) return Number(key[0]) * 100;
  return 500;
}

/** The body as it crosses the wire: what JSON.stringify keeps (`undefined` members vanish). */
export function wire(value: Json | undefined): Json | undefined {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value)) as Json;
}

export class PayloadSource {
  private readonly requestCache = new Map<string, BodyPayloads | undefined>();
  private readonly responseCache = new Map<string, Map<string, BodyPayloads>>();
  private readonly sampleDocs = new WeakMap<OpenApiDocument, object>();

  constructor(private readonly model: VersionModel, private readonly validator: (version: string) => DocumentValidator) {}

  operationAt(version: string, headKey: string): OperationRef | undefined {
    const key = this.model.operationKeys.get(version)?.get(headKey);
    return key === undefined ? undefined : findOperation(this.model.docs.get(version)!, key);
  }

  /** Request payloads at `version`, or undefined when the operation takes no JSON body there. */
  request(version: string, headKey: string): BodyPayloads | undefined {
    const cacheKey = `${version}\u0000${headKey}`;
    if (this.requestCache.has(cacheKey)) return this.requestCache.get(cacheKey);
    const doc = this.model.docs.get(version)!;
    const op = this.operationAt(version, headKey);
    const schema = op && requestSchema(doc, op);
    let result: BodyPayloads | undefined;
    if (op && schema) {
      const validate = this.validator(version);
      result = { payloads: [], invalidExamples: [], sampleProblems: [] };
      if (version === this.model.head) {
        for (const example of specExamples(doc, requestMedia(doc, op, schema), schema)) {
          const problems = validate.errors(schema, example.body);
          if (problems.length > 0) result.invalidExamples.push({ label: example.label, problems });
          else add(result.payloads, example);
        }
      } else {
        const head = this.request(this.model.head, headKey);
        let chain;
        try {
          chain = buildRequestChain(this.model, headKey, this.model.head, version);
        } catch {
          chain = undefined; // a request hook only moves up: the head's payloads cannot come down
        }
        for (const payload of chain ? head?.payloads ?? [] : []) {
          const parts = { body: structuredClone(payload.body), headers: {}, query: {} };
          try {
            chain!.run(parts);
          } catch {
            continue; // reported where the step is proven
          }
          const body = wire(parts.body);
          if (body !== undefined && validate.errors(schema, body).length === 0) add(result.payloads, { label: movedDown(payload.label, this.model.head), body });
        }
      }
      this.addSample(result, version, schema, 'request');
    }
    this.requestCache.set(cacheKey, result);
    return result;
  }

  /** Response payloads at `version` per documented status key. */
  responses(version: string, headKey: string): Map<string, BodyPayloads> {
    const cacheKey = `${version}\u0000${headKey}`;
    const cached = this.responseCache.get(cacheKey);
    if (cached) return cached;
    const doc = this.model.docs.get(version)!;
    const op = this.operationAt(version, headKey);
    const out = new Map<string, BodyPayloads>();
    if (!op) return out;
    const schemas = responseSchemas(doc, op);
    const validate = this.validator(version);
    for (const key of schemas.keys()) out.set(key, { payloads: [], invalidExamples: [], sampleProblems: [] });

    if (version === this.model.head) {
      for (const [key, schema] of schemas) {
        for (const example of specExamples(doc, responseMedia(doc, op, key, schema), schema)) {
          const problems = validate.errors(schema, example.body);
          if (problems.length > 0) out.get(key)!.invalidExamples.push({ label: example.label, problems });
          else add(out.get(key)!.payloads, { ...example, status: representativeStatus(key) });
        }
      }
    } else {
      const head = this.responses(this.model.head, headKey);
      const chain = buildResponseChain(this.model, headKey, this.model.head, version);
      for (const [headStatus, { payloads }] of head) {
        for (const payload of payloads) {
          const parts = { status: payload.status ?? representativeStatus(headStatus), body: structuredClone(payload.body) as Json | undefined, headers: {} };
          try {
            chain.run(parts);
          } catch {
            continue; // reported where the step is proven
          }
          const key = statusKey(schemas.keys(), parts.status);
          const body = wire(parts.body);
          if (key === undefined || body === undefined || validate.errors(schemas.get(key)!, body).length > 0) continue;
          add(out.get(key)!.payloads, { label: movedDown(payload.label, this.model.head), body, status: parts.status });
        }
      }
    }
    for (const [key, schema] of schemas) this.addSample(out.get(key)!, version, schema, 'response', representativeStatus(key));
    this.responseCache.set(cacheKey, out);
    return out;
  }

  private addSample(into: BodyPayloads, version: string, schema: SchemaObject, direction: 'request' | 'response', status?: number): void {
    const doc = this.model.docs.get(version)!;
    let body: Json | undefined;
    try {
      body = wire(sample(stripExamples(schema) as never, {
        // Requests do not carry readOnly properties, responses do not carry writeOnly ones.
        skipReadOnly: direction === 'request', skipWriteOnly: direction === 'response', quiet: true, enablePatterns: true,
      }, this.sampleDoc(doc)) as Json);
    } catch (err) {
      into.sampleProblems.push(`openapi-sampler failed: ${(err as Error).message}`);
      return;
    }
    if (body === undefined) return;
    const problems = this.validator(version).errors(schema, body);
    if (problems.length > 0) into.sampleProblems.push(...problems);
    else add(into.payloads, { label: 'generated sample', body, status });
  }

  /** The document with examples removed from its schemas, so that the sampler generates every field. */
  private sampleDoc(doc: OpenApiDocument): object {
    const cached = this.sampleDocs.get(doc);
    if (cached) return cached;
    const schemas = Object.fromEntries(Object.entries(doc.components?.schemas ?? {}).map(([name, s]) => [name, stripExamples(s)]));
    const out = { ...doc, components: { ...doc.components, schemas } };
    this.sampleDocs.set(doc, out);
    return out;
  }
}

function movedDown(label: string, head: string): string {
  return `${label} from ${head}`;
}

function add(list: Payload[], payload: Payload): void {
  const text = JSON.stringify(payload.body);
  if (!list.some((p) => p.status === payload.status && JSON.stringify(p.body) === text)) list.push(payload);
}

/** The media type object whose schema spec.ts chose for the body. */
function mediaWith(content: Record<string, MediaTypeObject> | undefined, schema: SchemaObject): MediaTypeObject | undefined {
  if (!content || typeof content !== 'object') return undefined;
  return Object.values(content).find((m) => m?.schema === schema);
}

function requestMedia(doc: OpenApiDocument, op: OperationRef, schema: SchemaObject): MediaTypeObject | undefined {
  const body = resolveComponent<RequestBodyObject>(doc.components?.requestBodies, op.operation.requestBody, 'requestBodies', true);
  return mediaWith(body?.content, schema);
}

function responseMedia(doc: OpenApiDocument, op: OperationRef, status: string, schema: SchemaObject): MediaTypeObject | undefined {
  const response = resolveComponent<ResponseObject>(doc.components?.responses, op.operation.responses?.[status], 'responses', true);
  return mediaWith(response?.content, schema);
}

/** The media type's examples, then the schema's own (following `$ref`s to components). */
function specExamples(doc: OpenApiDocument, media: MediaTypeObject | undefined, schema: SchemaObject): Payload[] {
  const out: Payload[] = [];
  if (media?.example !== undefined) out.push({ label: 'example', body: media.example });
  for (const [name, entry] of Object.entries(media?.examples ?? {})) {
    const value: Json | undefined = resolveComponent<ExampleObject>(doc.components?.examples, entry, 'examples', true)?.value;
    if (value !== undefined) out.push({ label: `examples.${name}`, body: value });
  }
  // The body schema's own examples, then those of each component its `$ref`s lead to.
  let current: SchemaObject | undefined = schema;
  let label = 'schema';
  const seen = new Set<string>();
  while (current) {
    if (current.example !== undefined) out.push({ label: `${label} example`, body: current.example });
    const examples: Json[] | undefined = 'examples' in current && Array.isArray(current.examples) ? current.examples : undefined;
    examples?.forEach((e, i) => out.push({ label: `${label} examples[${i}]`, body: e }));
    const name = schemaRefName(current.$ref);
    if (name === undefined || seen.has(name)) break;
    seen.add(name);
    current = componentSchemas(doc)[name];
    label = name;
  }
  return out;
}

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SUBSCHEMA_LISTS = ['allOf', 'oneOf', 'anyOf', 'prefixItems'];
const SUBSCHEMAS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems'];

/** A copy of a schema without `example`/`examples` at any schema position (property names untouched). */
function stripExamples(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = { ...(schema as Record<string, unknown>) };
  delete out.example;
  delete out.examples;
  for (const key of SUBSCHEMA_MAPS) {
    const map = out[key];
    if (map && typeof map === 'object') out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, stripExamples(v)]));
  }
  for (const key of SUBSCHEMA_LISTS) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(stripExamples);
  for (const key of SUBSCHEMAS) if (out[key] !== undefined) out[key] = Array.isArray(out[key]) ? (out[key] as unknown[]).map(stripExamples) : stripExamples(out[key]);
  return out;
}
