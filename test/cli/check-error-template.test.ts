/**
 * `verso check` with `errors.format: template` (issue 12): the gateway's own errors, rendered
 * through the template, are validated against the error responses the head spec declares. The
 * demo spec declares `Error` ({ error: { code, message } }, nothing else) for its 400s and 404s.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verso } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('verso check and errors.template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verso-check-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The demo's config with its own spec and changes, and `template` as errors.template. */
  const config = (template: string) => {
    const file = join(dir, `gateway-${Math.random().toString(36).slice(2)}.yaml`);
    const demo = readFileSync(join(ROOT, 'gateway.yaml'), 'utf8')
      .replace('spec: specs/shop.openapi.yaml', `spec: ${join(ROOT, 'specs/shop.openapi.yaml')}`)
      .replace('changes: versions', `changes: ${join(ROOT, 'versions')}`);
    writeFileSync(file, `${demo}\nerrors:\n  format: template\n  template: ${template}\n`);
    return file;
  };

  it('validates every error the public listener answers with against the spec\'s error response for its status', async () => {
    const res = await verso(['check', '--config', config('{ error: { code: "{code}", message: "{detail}" } }')]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.split('\n').at(-2)).toBe('errors.template: 11 gateway errors validated against the spec\'s error responses (11 checks)');
  });

  it('fails on a template the spec\'s error schema refuses, naming the error, the response and what is wrong', async () => {
    const file = config('{ error: { type: invalid_request_error, code: "{code}", message: "{detail}" } }');
    const res = await verso(['check', '--config', file]);
    expect(res.code).toBe(2);
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`${file}: 11 error template failures:`);
    expect(lines[1]).toBe('  - errors.template renders VERSO_INVALID_VERSION (400) as {"error":{"type":"invalid_request_error","code":"VERSO_INVALID_VERSION","message":"A sample detail for VERSO_INVALID_VERSION."}}, which the spec\'s GET /orders response 400 does not accept: /error must NOT have additional properties (\'type\')');
    expect(lines.filter((l) => l.includes('(404)'))).toHaveLength(2);
  });
});
