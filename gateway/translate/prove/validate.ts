/**
 * Body validation for `verso check`'s proof: one ajv instance per version document, each
 * document added whole under its own `$id` so that every `#/components/...` reference inside a
 * body schema resolves against the version it belongs to. OpenAPI 3.1 schemas are JSON Schema
 * 2020-12; 3.0 schemas are a draft-04 dialect, read here by the draft-07 validator after the two
 * 3.0 differences that matter for validation are rewritten (`nullable`, boolean
 * `exclusiveMinimum`/`exclusiveMaximum`).
 */

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import type { OpenApiDocument, SchemaObject } from '../spec.js';

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = ajvFormats.default as unknown as (ajv: Ajv | Ajv2020) => void;

/** Validates bodies against the schemas of one version's document. */
export interface DocumentValidator {
  /** ajv's errors for `value` against `schema` (an object inside the document), or `[]`. */
  errors(schema: SchemaObject, value: unknown): string[];
}

export function documentValidator(doc: OpenApiDocument, version: string): DocumentValidator {
  const is31 = doc.openapi.startsWith('3.1');
  // strict: false — OpenAPI schemas carry keywords JSON Schema does not know (example,
  // discriminator, xml, externalDocs); they are annotations, not constraints.
  const options = { strict: false, allErrors: true, validateSchema: false } as const;
  const ajv = is31 ? new Ajv2020(options) : new Ajv(options);
  addFormats(ajv);
  const id = `https://verso.invalid/versions/${encodeURIComponent(version)}/openapi.json`;
  const source = is31 ? doc : structuredClone(doc);
  if (!is31) rewrite30(source);
  ajv.addSchema({ ...source, $id: id });
  const pointers = pointersOf(doc);
  const compiled = new Map<SchemaObject, ValidateFunction>();

  return {
    errors(schema, value) {
      let validate = compiled.get(schema);
      if (!validate) {
        const pointer = pointers.get(schema);
        // Schemas outside the document (there are none today) are compiled as they are.
        validate = ajv.compile(pointer === undefined ? schema : { $ref: `${id}#${pointer}` });
        compiled.set(schema, validate);
      }
      return validate(value) ? [] : (validate.errors ?? []).map(formatError);
    },
  };
}

/** `/amount must be string`; names the offending property or values where ajv's message does not. */
export function formatError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(body)' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  let detail = '';
  if (error.keyword === 'additionalProperties') detail = ` ('${String(params.additionalProperty)}')`;
  else if (error.keyword === 'enum') detail = ` (${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`;
  else if (error.keyword === 'const') detail = ` (${JSON.stringify(params.allowedValue)})`;
  return `${where} ${error.message ?? 'is invalid'}${detail}`;
}

/** JSON pointer of every object in the document, by identity. */
function pointersOf(doc: unknown): Map<unknown, string> {
  const out = new Map<unknown, string>();
  const walk = (value: unknown, pointer: string) => {
    if (!value || typeof value !== 'object' || out.has(value)) return;
    out.set(value, pointer);
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, child] of entries) walk(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  };
  walk(doc, '');
  return out;
}

/**
 * OpenAPI 3.0's schema dialect, rewritten into draft-07 where they differ for validation:
 * `nullable: true` widens `type`; boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers.
 */
function rewrite30(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  if (Array.isArray(value)) { value.forEach(rewrite30); return value; }
  const o = value as Record<string, unknown>;
  if (o.nullable === true && typeof o.type === 'string') o.type = [o.type, 'null'];
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof o[flag] === 'boolean') {
      if (o[flag] && typeof o[bound] === 'number') { o[flag] = o[bound]; delete o[bound]; } else delete o[flag];
    }
  }
  for (const child of Object.values(o)) rewrite30(child);
  return o;
}
