/**
 * `verso check`: validate the configuration, load the changes, and prove them against the specs
 * (translate/prove/); print what was checked, or exit 2 listing every proof failure. A config or
 * change mistake is the caller's to report (program.ts), with the same exit status.
 */

import { loadConfigFile } from '../config/load.js';
import { prove } from '../translate/prove/prove.js';
import { loadTranslator } from '../translate/translator.js';
import { stdio, USAGE, type Io } from './io.js';

export interface CheckOptions { config: string }

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function checkCommand(options: CheckOptions, io: Io = stdio): Promise<number> {
  const config = loadConfigFile(options.config);
  const translator = await loadTranslator(config);
  const proof = translator ? prove(translator.model) : undefined;
  if (proof && proof.failures.length > 0) {
    io.err(`${options.config}: ${plural(proof.failures.length, 'change proof failure')}:\n${proof.failures.map((f) => `  - ${f.message}\n`).join('')}`);
    return USAGE;
  }
  const changes = translator ? `; ${translator.model.changes.length} change(s)` : '';
  io.out(`${options.config}: OK (${config.versions.length} versions, head ${config.head}; ${config.upstreams.size} upstream(s); ${config.routes.length} route(s)${changes})\n`);
  if (proof) io.out(`proved ${plural(proof.operations, 'operation')} across ${plural(proof.pairs, 'version pair')}\n`);
  return 0;
}
