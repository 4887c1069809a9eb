/**
 * `verso lock`: write every version's derived contract to `<translation.changes>/lock/`, so
 * `verso check` fails when an edit alters a published version (translate/generate/lock.ts).
 * Run it when a version is published, and when a difference check reports is intended.
 */

import { relative } from 'node:path';
import { lockDir, writeLock } from '../translate/generate/lock.js';
import { stdio, USAGE, type Io } from './io.js';
import { loadTranslation } from './spec.js';

export interface LockOptions { config: string }

export async function lockCommand(options: LockOptions, io: Io = stdio): Promise<number> {
  const loaded = await loadTranslation(options.config, 'lock', io);
  if (!loaded) return USAGE;
  const files = writeLock(loaded.translator.model, loaded.config);
  io.out(`Locked ${files.length} version${files.length === 1 ? '' : 's'} in ${relative(process.cwd(), lockDir(loaded.config)) || '.'}: ${loaded.translator.model.versions.join(', ')}\n`);
  return 0;
}
