/** `verso changelog`: the changelog generated from the changes, as Markdown or JSON. */

import { buildChangelog, changelogJson, changelogMarkdown } from '../translate/generate/changelog.js';
import { stdio, USAGE, type Io } from './io.js';
import { loadTranslation } from './spec.js';

export interface ChangelogOptions { config: string; format: 'markdown' | 'json' }

export async function changelogCommand(options: ChangelogOptions, io: Io = stdio): Promise<number> {
  const loaded = await loadTranslation(options.config, 'changelog', io);
  if (!loaded) return USAGE;
  const log = buildChangelog(loaded.translator.model, loaded.config);
  io.out(options.format === 'json' ? changelogJson(log) : changelogMarkdown(log));
  return 0;
}
