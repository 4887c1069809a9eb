import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '../gateway/errors.js';
import { configSchema } from '../gateway/config/schema.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Every leaf key path of the config schema, as the README writes it (`versions[].sunset`, `upstreams.NAME.url`). */
function keyPaths(schema: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (props) {
    for (const [key, child] of Object.entries(props)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const items = child.items as Record<string, unknown> | undefined;
      if (child.type === 'object' && child.properties) out.push(...keyPaths(child, path));
      else if (child.type === 'array' && items?.properties) out.push(path, ...keyPaths(items, `${path}[]`));
      else out.push(path);
    }
  }
  const additional = schema.additionalProperties as Record<string, unknown> | false | undefined;
  if (additional && typeof additional === 'object') out.push(...keyPaths(additional, `${prefix}.NAME`));
  return out;
}

describe('documentation', () => {
  it('documents every problem code with its status and type in the README', () => {
    for (const [code, { status, type }] of Object.entries(PROBLEMS)) {
      expect(readme, code).toContain(`| \`${code}\` | ${status} | \`${type}\` |`);
    }
  });

  it('documents every configuration key in the README', () => {
    const paths = keyPaths(configSchema as unknown as Record<string, unknown>);
    expect(paths.length).toBeGreaterThan(30);
    for (const path of paths) expect(readme, path).toContain(`| \`${path}\` |`);
  });

  it('gives the two commands in the README\'s first lines', () => {
    const head = readme.split('\n').slice(0, 6).join('\n');
    expect(head).toContain('npm ci && npm start');
    expect(head).toContain('npm test');
  });
});
