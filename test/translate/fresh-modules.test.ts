import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FreshModules } from '../../gateway/translate/fresh-modules.js';

describe('the change files\' module loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verso-fresh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  const own = { verso: { change: (spec: object) => ({ kind: 'verso.change', ...spec }) } };

  write('main.ts', `import { change } from 'verso';
import { rate, type Rate } from './shared.js';
import table from './table.json';
const where: string = import.meta.url;
export default change({ description: 'uses ' + rate + ' and ' + table.unit, where, dir: import.meta.dirname });
export const typed: Rate = rate;
`);
  write('shared.ts', 'export type Rate = number;\nexport const rate: Rate = 100;\n');
  write('table.json', '{ "unit": "cents" }');

  it('compiles TypeScript, resolves ./x.js to x.ts and JSON beside it, and gives verso as the gateway\'s own module', () => {
    const exports = new FreshModules(own).load(join(dir, 'main.ts')) as { default: Record<string, unknown>; typed: number };
    expect(exports.default).toEqual({ kind: 'verso.change', description: 'uses 100 and cents', where: pathToFileURL(join(dir, 'main.ts')).href, dir });
    expect(exports.typed).toBe(100);
  });

  it('runs each file once per load and afresh in the next load, so a reload sees an edited file', () => {
    const first = new FreshModules(own);
    expect(first.load(join(dir, 'shared.ts'))).toBe(first.load(join(dir, 'shared.ts')));
    write('shared.ts', 'export const rate = 250;\n');
    expect((first.load(join(dir, 'main.ts')) as { typed: number }).typed).toBe(100);
    expect((new FreshModules(own).load(join(dir, 'main.ts')) as { typed: number }).typed).toBe(250);
  });

  it('names what it cannot load: a relative import that is no file, a syntax error with its line', () => {
    write('lost.ts', "import { x } from './nowhere.js';\nexport default x;\n");
    expect(() => new FreshModules(own).load(join(dir, 'lost.ts'))).toThrow(`imports "./nowhere.js", which is no file beside ${join(dir, 'lost.ts')}`);
    write('broken.ts', 'export const a = 1;\nexport default change({ instructions: [ });\n');
    expect(() => new FreshModules(own).load(join(dir, 'broken.ts'))).toThrow(/\(2:/);
  });
});
