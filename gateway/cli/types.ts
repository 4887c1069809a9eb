/**
 * `verso types`: write each version's schemas as TypeScript for typed authoring
 * (`at(VERSION).schema(NAME)`), to `<translation.changes>/verso-types.d.ts`
 * (translate/generate/types.ts).
 */

import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { typesFile, typesText } from '../translate/generate/types.js';
import { stdio, USAGE, type Io } from './io.js';
import { loadTranslation } from './spec.js';

export interface TypesOptions { config: string }

export async function typesCommand(options: TypesOptions, io: Io = stdio): Promise<number> {
  const loaded = await loadTranslation(options.config, 'types', io);
  if (!loaded) return USAGE;
  const file = typesFile(loaded.config);
  writeFileSync(file, typesText(loaded.translator.model));
  io.out(`Wrote ${relative(process.cwd(), file) || file}: the schemas of ${loaded.translator.model.versions.length} versions, for at(VERSION).schema(NAME)\n`);
  return 0;
}
