/**
 * What `verso new-change` writes: a change module and its test, as text. Pure: the caller decides
 * the paths (from the config) and does the writing, so the templates are tested byte for byte.
 */

import { dirname, relative, sep } from 'node:path';
import type { Json } from '../authoring.js';
import { buildResponseChain } from '../chain.js';
import type { VersionModel } from '../model.js';
import { versionDocument } from './openapi-out.js';
import { itemsOf, operations, resolveSchema, responseSchemas, type ExampleObject, type MediaTypeObject, type OpenApiDocument } from '../spec.js';

/** Change names are file names: `order-customer-renamed`. */
export const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** A kebab-case spelling of `name`, to suggest when it is not one (`OrderNote` → `order-note`). */
export function toKebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '');
}

/** `order-customer-renamed` → `orderCustomerRenamed`, the name to import the change as. */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export interface ScaffoldInput {
  name: string;
  /** The version the change belongs to, and the one before it. */
  version: string;
  previous: string;
  /** Import specifiers, relative to each file. */
  authoringImport: string;
  testingImport: string;
  /** The response the test starts from. */
  sample: Sample;
}

/** The change module: a real change with a placeholder description and commented-out examples. */
export function changeTemplate(input: ScaffoldInput): string {
  return `/**
 * ${input.name}: what ${input.version} changed compared with ${input.previous}. Instructions name
 * schemas, fields and operations as they are in ${input.version}; the gateway derives both
 * directions and ${input.previous}'s OpenAPI document from them. See "Authoring changes" in the README.
 */

import { change, endpoint, schema } from '${input.authoringImport}';

export default change({
  description: 'Describe what changed for clients.',
  instructions: [
    // At least one instruction is required: start-up rejects a change without any. For example:
    // schema('Order').field('customer_id').renamedFrom('customer'),
    // endpoint('POST /orders').statusChanged({ from: 200, to: 201 }),
  ],
});
`;
}

/** Its test: one response moved from the change's version down to the previous one. */
export function changeTestTemplate(input: ScaffoldInput): string {
  const { version, previous } = input;
  return `/** versions/${version}/${input.name}.ts: what ${previous} clients get of ${version} responses. */
import { describe, it } from 'vitest';
import { expectTranslation } from '${input.testingImport}';

describe('${version}/${input.name}', () => {
  // \`expected\` is what ${previous} clients get today, before this change: write what they must get with it.
  it('gives ${previous} clients the ${previous} shape of a ${version} response', async () => {
    await expectTranslation({
      operation: '${input.sample.operation}', from: '${version}', to: '${previous}',
      response: {
        status: ${input.sample.status},
        body: ${tsLiteral(input.sample.body, 8, 14)},
      },
      expected: ${tsLiteral(input.sample.expected, 6, 16)},
    });
  });
});
`;
}

export interface Sample {
  /** The operation as the change's version names it. */
  operation: string;
  status: number;
  /** A response body at the change's version, and what the previous version's clients get of it. */
  body: Json;
  expected: Json;
}

/**
 * A response to start the test from: the version's first GET with a documented JSON example (the
 * version's own document, so the example has the version's shape), and that example as the
 * previous version's clients get it today. Undefined when no GET has an example.
 */
export function sampleResponse(model: VersionModel, version: string, previous: string): Sample | undefined {
  const doc = versionDocument(model, version);
  const headKeys = new Map([...model.operationKeys.get(version)!].map(([head, key]) => [key, head]));
  for (const op of operations(doc)) {
    if (op.method !== 'GET') continue;
    for (const [status, response] of Object.entries(op.operation.responses ?? {})) {
      if (!/^2\d\d$/.test(status) || '$ref' in response) continue;
      const content: Record<string, MediaTypeObject> = response.content ?? {};
      const media = Object.entries(content).find(([type]) => /^application\/(.+\+)?json/.test(type))?.[1];
      const body = media && exampleOf(doc, media);
      if (body === undefined) continue;
      const parts = { status: Number(status), body: structuredClone(body), headers: {} };
      try {
        buildResponseChain(model, headKeys.get(op.key)!, version, previous).run(parts);
      } catch {
        continue;
      }
      return { operation: op.key, status: Number(status), body, expected: JSON.parse(JSON.stringify(parts.body ?? null)) as Json };
    }
  }
  return undefined;
}

function exampleOf(doc: OpenApiDocument, media: MediaTypeObject): Json | undefined {
  if (media.example !== undefined) return media.example;
  const named = Object.values(media.examples ?? {}).find((e): e is ExampleObject => !('$ref' in e) && e.value !== undefined);
  if (named) return named.value;
  const schema = resolveSchema(doc, media.schema);
  if (schema?.example !== undefined) return schema.example;
  const item = schema?.type === 'array' ? resolveSchema(doc, itemsOf(schema)) : undefined;
  return item?.example !== undefined ? [item.example] : undefined;
}

/**
 * The operation the test starts from when the changes cannot be loaded: the head's first GET
 * with a JSON success response, else any operation with one, else a placeholder; empty bodies.
 */
export function placeholderSample(head: OpenApiDocument | undefined): Sample {
  const candidates = head ? operations(head) : [];
  const withJson = (method?: string) => {
    for (const op of candidates) {
      if (method && op.method !== method) continue;
      const status = [...responseSchemas(head!, op).keys()].find((s) => /^2\d\d$/.test(s));
      if (status) return { operation: op.key, status: Number(status) };
    }
    return undefined;
  };
  return { ...(withJson('GET') ?? withJson() ?? { operation: 'GET /path', status: 200 }), body: {}, expected: {} };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A JSON value as a TypeScript literal in the repo's style: unquoted keys where possible, single
 * quotes, one line when it fits in 100 columns at \`indent\`, else one member per line.
 */
export function tsLiteral(value: Json, indent = 0, column = indent): string {
  const flat = (v: Json): string => {
    if (v === null || typeof v !== 'object') return typeof v === 'string' ? quote(v) : JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(flat).join(', ')}]`;
    const entries = Object.entries(v).map(([k, x]) => `${key(k)}: ${flat(x)}`);
    return entries.length ? `{ ${entries.join(', ')} }` : '{}';
  };
  const one = flat(value);
  // +1 for the comma that follows the value.
  if (column + one.length + 1 <= 100 || value === null || typeof value !== 'object') return one;
  const pad = ' '.repeat(indent + 2);
  const end = ' '.repeat(indent);
  if (Array.isArray(value)) return `[\n${value.map((v) => `${pad}${tsLiteral(v, indent + 2)},\n`).join('')}${end}]`;
  const members = Object.entries(value).map(([k, v]) => `${pad}${key(k)}: ${tsLiteral(v, indent + 2, indent + 2 + key(k).length + 2)},\n`);
  return `{\n${members.join('')}${end}}`;
}

function key(k: string): string {
  return IDENTIFIER.test(k) ? k : quote(k);
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}
