/**
 * Start-up refuses a changes folder it cannot serve, naming the file at fault and why. Each case
 * is a small versions/ folder under fixtures/, checked against fixtures/shop.openapi.yaml exactly
 * as the gateway does it: loadBundle, then buildModel with the config's versions.
 */
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBundle, TranslationError, type BundleProblem } from '../../gateway/translate/bundle.js';
import { buildModel } from '../../gateway/translate/model.js';
import { loadSpec, type OpenApiDocument } from '../../gateway/translate/spec.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SPEC = join(FIXTURES, 'shop.openapi.yaml');
const CONFIG = ['2024-01-01', '2025-01-01'];

let head: OpenApiDocument;
beforeAll(async () => {
  head = await loadSpec(SPEC);
});

/** The problems start-up reports for fixture `name`, files relative to its folder. */
async function problems(name: string, config = CONFIG): Promise<BundleProblem[]> {
  const dir = join(FIXTURES, name);
  try {
    buildModel(structuredClone(head), await loadBundle(dir), config, SPEC);
  } catch (err) {
    if (!(err instanceof TranslationError)) throw err;
    return err.problems.map((p) => ({ file: relative(dir, p.file) || '.', message: p.message }));
  }
  throw new Error(`fixture ${name} started without problems`);
}

describe('start-up', () => {
  it('accepts a valid changes folder', async () => {
    const model = buildModel(structuredClone(head), await loadBundle(join(FIXTURES, 'valid')), CONFIG, SPEC);
    expect(model.versions).toEqual(CONFIG);
    expect(model.changes.map((c) => c.id)).toEqual(['total-renamed']);
  });

  it('accepts a helper module the changes import, which is not a change itself', async () => {
    const model = buildModel(structuredClone(head), await loadBundle(join(FIXTURES, 'with-helper')), CONFIG, SPEC);
    expect(model.changes.map((c) => c.id)).toEqual(['total-renamed']);
  });

  it('fails on a change naming a schema the spec does not have, listing those it has', async () => {
    expect(await problems('unknown-schema')).toEqual([
      { file: 'typo.ts', message: 'schema "Ordr" does not exist at 2025-01-01; known schemas: Order, Unused' },
    ]);
  });

  it('fails on a change naming a field the schema does not have, listing its fields', async () => {
    expect(await problems('unknown-field')).toEqual([
      { file: 'typo.ts', message: 'Order has no field "totl" at 2025-01-01; fields of Order at 2025-01-01: id, total, tax, status' },
    ]);
  });

  it('fails on a change naming an operation the spec does not have, listing its operations', async () => {
    expect(await problems('unknown-operation')).toEqual([
      { file: 'typo.ts', message: 'operation "GET /purchases" does not exist at 2025-01-01; operations at 2025-01-01: POST /orders, GET /orders/{id} (name one as "METHOD /path" or by its operationId)' },
    ]);
  });

  it('fails when the bundle and the config name different versions, saying which', async () => {
    expect(await problems('valid', ['2023-01-01', '2025-01-01'])).toEqual([
      { file: 'index.ts', message: 'lists 2024-01-01, which the gateway config does not have, and does not list 2023-01-01, which the gateway config has; the gateway config has 2025-01-01, 2023-01-01 (newest first)' },
    ]);
    expect(await problems('valid', ['2024-01-01', '2024-06-01', '2025-01-01'])).toEqual([
      { file: 'index.ts', message: 'does not list 2024-06-01, which the gateway config has; the gateway config has 2025-01-01, 2024-06-01, 2024-01-01 (newest first)' },
    ]);
  });

  it('fails when the bundle lists its versions out of order', async () => {
    expect(await problems('valid', ['2025-01-01', '2024-01-01'])).toEqual([
      { file: 'index.ts', message: 'lists versions 2025-01-01, 2024-01-01, but they must be newest first, as the gateway config has 2024-01-01, 2025-01-01 (newest first)' },
    ]);
  });

  it('fails when the bundle lists a version twice', async () => {
    expect(await problems('duplicate-version')).toEqual([
      { file: 'index.ts', message: 'lists version 2024-01-01 more than once; each version appears once (the gateway config has 2025-01-01, 2024-01-01 (newest first))' },
    ]);
  });

  it('fails on a change whose schema occurs in no operation', async () => {
    expect(await problems('matches-nothing')).toEqual([
      { file: 'unused-name.ts', message: "schema Unused occurs in no operation's request or response at 2025-01-01, so this instruction matches nothing" },
    ]);
  });

  it('fails on two changes of one version changing the same field', async () => {
    expect(await problems('conflict')).toEqual([
      { file: 'total-from-price.ts', message: 'conflicts with total-from-amount in the same version: both change Order.total' },
    ]);
  });

  it('fails on two renames from the same old name in one version', async () => {
    expect(await problems('conflict-old-name')).toEqual([
      { file: 'tax-from-amount.ts', message: 'conflicts with total-from-amount in the same version: both give 2024-01-01 a field Order.amount' },
    ]);
  });

  it('fails on changes listed under the oldest version', async () => {
    expect(await problems('oldest-with-changes')).toEqual([
      { file: 'status-spelling.ts', message: 'is listed under the oldest version 2024-01-01, which has no previous version to change from; the oldest version carries no changes' },
    ]);
  });

  it('fails on a change file that index.ts does not list', async () => {
    const index = relative(process.cwd(), join(FIXTURES, 'unlisted', 'index.ts'));
    expect(await problems('unlisted')).toEqual([
      { file: 'forgotten.ts', message: `defines a change that ${index} does not list under any version; add it to the version(...) that introduced it, or delete the file` },
    ]);
  });

  it('fails on a change listed under two versions', async () => {
    expect(await problems('listed-twice', ['2024-01-01', '2024-06-01', '2025-01-01'])).toEqual([
      { file: 'total-renamed.ts', message: 'the change is listed under both 2025-01-01 and 2024-06-01; a change belongs to one version' },
    ]);
  });

  it('fails on a file whose default export is not a change, saying what it is', async () => {
    const must = 'it must `export default change({ description, instructions })`: a file in versions/ holds exactly one change';
    expect(await problems('not-a-change')).toEqual([
      { file: 'bare-instruction.ts', message: `exports a bare field-renamed instruction as its default, not a change; ${must}` },
      { file: 'named-export.ts', message: `has no default export; ${must}` },
    ]);
  });

  it('fails on a change without a description', async () => {
    expect(await problems('no-description')).toEqual([
      { file: 'total-renamed.ts', message: 'the change has no description; it is required (it becomes the changelog entry)' },
    ]);
  });

  it('reports every problem at once, with each file in the message', async () => {
    const error = await loadBundle(join(FIXTURES, 'not-a-change')).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TranslationError);
    expect((error as Error).message).toMatch(/^2 problems with the API changes:\n {2}- .*bare-instruction\.ts: exports a bare field-renamed instruction.*\n {2}- .*named-export\.ts: has no default export/);
  });
});
