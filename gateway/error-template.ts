/**
 * Gateway errors in the API's own error shape (`errors.format: template`): a client SDK that only
 * recognises its API's errors (Stripe's raises on `{ "error": { … } }` alone) must get Verso's
 * 400/404/410/413/502/504 in that shape too. The template is the API's error body with
 * placeholders: a string that is exactly `"{detail}"` takes the value with its JSON type (a number
 * for `{status}`, a list for `{supported_versions}`; a key whose value is absent is left out), and
 * `{name}` inside longer text is replaced by the value as text.
 */

import type { Problem } from './errors.js';

/** The fields every gateway error has. */
const FIELDS = ['status', 'type', 'code', 'title', 'detail', 'request_id'];
/** The extensions some gateway errors carry (errors.ts callers); a template may use them too. */
const EXTENSIONS = [
  'supported_versions', 'requested_version', 'version', 'sunset', 'successor_version', 'brownout_until',
  'limit_bytes', 'max_depth', 'supported_media_types', 'change', 'client', 'parameter',
];
export const TEMPLATE_NAMES: readonly string[] = [...FIELDS, ...EXTENSIONS];

const WHOLE = /^\{([a-z_]+)\}$/;
const INNER = /\{([a-z_]+)\}/g;

/** Every placeholder of `template` that names no field, with where it is (for the config check). */
export function unknownPlaceholders(template: unknown, path: (string | number)[] = []): { path: (string | number)[]; name: string }[] {
  if (typeof template === 'string') {
    return [...template.matchAll(INNER)].map((m) => m[1]).filter((name) => !TEMPLATE_NAMES.includes(name)).map((name) => ({ path, name }));
  }
  if (Array.isArray(template)) return template.flatMap((v, i) => unknownPlaceholders(v, [...path, i]));
  if (template !== null && typeof template === 'object') return Object.entries(template).flatMap(([k, v]) => unknownPlaceholders(v, [...path, k]));
  return [];
}

/** `template` with `problem`'s values put in. */
export function renderTemplate(template: unknown, problem: Problem): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return problem[whole[1]];
    return template.replace(INNER, (_, name: string) => (problem[name] === undefined ? '' : String(problem[name])));
  }
  if (Array.isArray(template)) return template.map((v) => renderTemplate(v, problem)).filter((v) => v !== undefined);
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      const rendered = renderTemplate(value, problem);
      if (rendered !== undefined) out[key] = rendered;
    }
    return out;
  }
  return template;
}
