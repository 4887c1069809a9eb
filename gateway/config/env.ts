/**
 * Environment variable references in config strings, so secrets and deployment-specific addresses
 * stay out of the file: `${NAME}` (must be set), `${NAME:-fallback}` (fallback when unset or
 * empty), and `$${` for a literal `${`. Substitution runs on parsed string values, never on YAML
 * text, so a value with quotes or colons cannot change the document's structure.
 */

const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;
const REFERENCE = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface EnvProblem { path: (string | number)[]; message: string }

export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: EnvProblem[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    const substituted = value.replace(REFERENCE, (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
      if (escaped) return whole.slice(1);
      const set = env[name];
      if (set !== undefined && set !== '') return set;
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `environment variable ${name} is not set (write \${${name}:-default} to give a fallback)` });
      return '';
    });
    // A value that is one whole reference takes the type its text spells, so `port: ${PORT}` is a number.
    if (substituted !== value && WHOLE_REFERENCE.test(value)) {
      if (/^-?\d+(\.\d+)?$/.test(substituted)) return Number(substituted);
      if (substituted === 'true' || substituted === 'false') return substituted === 'true';
    }
    return substituted;
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, problems, [...path, i]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = substituteEnv(item, env, problems, [...path, key]);
    return out;
  }
  return value;
}
