/**
 * Typed authoring (issue 11): with the file `verso types` writes, `at(VERSION).schema(NAME)` is a
 * type error for a version, schema or field the spec does not have, and `converted()` callbacks
 * get each version's value type. Compiled with TypeScript's own API, as the project's typecheck
 * would compile a change file; `verso check` says when the types file is out of date.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../gateway/config/load.js';
import { typesFile, typesText } from '../../gateway/translate/generate/types.js';
import { loadTranslator } from '../../gateway/translate/translator.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** The diagnostics TypeScript gives `source`, compiled with the demo's types file (`verso` is the sources, as in tsconfig.json). */
function diagnostics(source: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'verso-typed-'));
  try {
    const file = join(dir, 'change.ts');
    writeFileSync(file, source);
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true, noEmit: true, skipLibCheck: true, types: ['node'], baseUrl: ROOT,
      paths: { verso: ['./gateway/index.ts'] },
    };
    const program = ts.createProgram([file, join(ROOT, 'versions/verso-types.d.ts')], options);
    return ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('typed authoring', () => {
  it('accepts a change written against the spec, with each side of converted() typed', () => {
    expect(diagnostics(`import { at, change } from 'verso';
export default change({ description: 'x', instructions: [
  at('2024-09-01').schema('Order').field('amount').converted({ schema: { type: 'string' }, up: (v) => Math.round(Number(v.trim()) * 100), down: (v) => (v / 100).toFixed(2) }),
] });
`)).toEqual([]);
  });

  it("refuses an unknown version, schema or field, and a callback that mistakes a value's type", () => {
    const found = diagnostics(`import { at } from 'verso';
at('2024-02-30');
at('2024-09-01').schema('Ordr');
at('2024-09-01').schema('Order').field('amout');
at('2024-09-01').schema('Order').field('amount').converted({ schema: {}, up: (v) => v.toFixed(2), down: (v) => v });
`);
    expect(found).toEqual([
      expect.stringContaining(`Argument of type '"2024-02-30"' is not assignable to parameter of type`),
      expect.stringContaining(`Argument of type '"Ordr"' is not assignable to parameter of type '"Customer" | "Error" | "ErrorDetail" | "Order" | "OrderCreate" | "OrderList"'`),
      expect.stringContaining(`Argument of type '"amout"' is not assignable to parameter of type`),
      expect.stringContaining(`Property 'toFixed' does not exist on type 'string'`),
      expect.stringContaining(`Type 'number' is not assignable to type 'string'`),
    ]);
  }, 30_000);

  it("keeps the demo's types file current: it is what verso types writes now", async () => {
    const config = loadConfigFile(join(ROOT, 'gateway.yaml'), { env: { DEMO_UPSTREAM_URL: 'http://127.0.0.1:1' } });
    const translator = await loadTranslator(config);
    expect(readFileSync(typesFile(config), 'utf8')).toBe(typesText(translator!.model));
  });
});
