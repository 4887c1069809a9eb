/**
 * `verso check` with `errors.format: template` (issue 12): every error the public listener can
 * answer with, rendered through the template, must validate against the error response the head
 * spec declares for its status (exact, `4XX`/`5XX`, or `default`, as a real response is matched).
 * A status no operation declares an error body for is not checked; a spec that declares none at all
 * is said so, since then nothing was proven.
 */

import type { GatewayConfig } from '../../config/types.js';
import { ADMIN_ONLY, PROBLEMS, problem, type ProblemCode } from '../../errors.js';
import { renderTemplate } from '../../error-template.js';
import type { VersionModel } from '../model.js';
import { operations, responseSchemas, statusKey } from '../spec.js';
import { documentValidator } from './validate.js';

export interface ErrorTemplateProof {
  /** (error code, declared error response) pairs validated. */
  checked: number;
  /** Error codes the spec declares a response for. */
  codes: number;
  failures: string[];
}

/** A request id as the gateway writes them, for placeholders that use it. */
const SAMPLE_REQUEST_ID = '00000000-0000-4000-8000-000000000000';

export function proveErrorTemplate(model: VersionModel, config: Pick<GatewayConfig, 'errors' | 'problems'>): ErrorTemplateProof | undefined {
  if (config.errors.format !== 'template') return undefined;
  const head = model.head;
  const doc = model.docs.get(head)!;
  const validator = documentValidator(doc, head);
  const ops = operations(doc).map((op) => ({ op, schemas: responseSchemas(doc, op) }));
  const failures: string[] = [];
  let checked = 0;
  const codes = new Set<ProblemCode>();
  for (const code of Object.keys(PROBLEMS) as ProblemCode[]) {
    if (ADMIN_ONLY.has(code)) continue;
    const { status } = PROBLEMS[code];
    const body = problem(config.problems.baseUrl, code, `A sample detail for ${code}.`, { request_id: SAMPLE_REQUEST_ID });
    const rendered = renderTemplate(config.errors.template, body);
    // One check per distinct schema the spec uses for this status (most name one component by
    // $ref), named by its first operation.
    const seen = new Set<string>();
    for (const { op, schemas } of ops) {
      const key = statusKey(schemas.keys(), status);
      if (key === undefined || key.startsWith('2')) continue;
      const schema = schemas.get(key)!;
      const same = JSON.stringify(schema);
      if (seen.has(same)) continue;
      seen.add(same);
      codes.add(code);
      checked++;
      const errors = validator.errors(schema, rendered);
      if (errors.length > 0) {
        failures.push(`errors.template renders ${code} (${status}) as ${JSON.stringify(rendered)}, which the spec's ${op.key} response ${key} does not accept: ${errors.join('; ')}`);
      }
    }
  }
  return { checked, codes: codes.size, failures };
}
