/**
 * `verso check`: validate the configuration, load the changes, and prove them against the specs
 * (translate/prove/); print what was checked, or exit 2 listing every proof failure. A config or
 * change mistake is the caller's to report (program.ts), with the same exit status.
 */

import { loadConfigFile } from '../config/load.js';
import { existsSync, readFileSync } from 'node:fs';
import { compareLock } from '../translate/generate/lock.js';
import { typesFile, typesText } from '../translate/generate/types.js';
import { proveErrorTemplate } from '../translate/prove/error-template.js';
import { prove } from '../translate/prove/prove.js';
import { loadTranslator } from '../translate/translator.js';
import { stdio, USAGE, type Io } from './io.js';

export interface CheckOptions { config: string }

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function checkCommand(options: CheckOptions, io: Io = stdio): Promise<number> {
  const config = loadConfigFile(options.config);
  const translator = await loadTranslator(config);
  const proof = translator ? prove(translator.model) : undefined;
  // errors.format: template — the gateway's own errors in the shape the head spec declares for them.
  const errors = translator ? proveErrorTemplate(translator.model, config) : undefined;
  // Published contracts: every version but the head must match its lock.
  const lock = translator ? compareLock(translator.model, config) : undefined;
  // Typed authoring: the types file, when there is one, must be the one the changes give now.
  const types = translator && existsSync(typesFile(config)) ? typesFile(config) : undefined;
  const staleTypes = types && readFileSync(types, 'utf8') !== typesText(translator!.model) ? [`${types} is out of date: the spec or a change changed since it was written; run \`verso types\``] : [];
  const failures = [...(proof?.failures.map((f) => f.message) ?? []), ...(errors?.failures ?? []), ...(lock?.failures ?? []), ...staleTypes];
  if (failures.length > 0) {
    const kinds = [proof?.failures.length && 'change proof failure', errors?.failures.length && 'error template failure', lock?.failures.length && 'changed locked contract', staleTypes.length && 'stale types file'].filter(Boolean);
    const what = kinds.length === 1 ? String(kinds[0]) : 'check failure';
    io.err(`${options.config}: ${plural(failures.length, what)}:\n${failures.map((f) => `  - ${f}\n`).join('')}`);
    return USAGE;
  }
  const changes = translator ? `; ${translator.model.changes.length} change(s)` : '';
  io.out(`${options.config}: OK (${config.versions.length} versions, head ${config.head}; ${config.upstreams.size} upstream(s); ${config.routes.length} route(s)${changes})\n`);
  if (proof) io.out(`proved ${plural(proof.operations, 'operation')} across ${plural(proof.pairs, 'version pair')}\n`);
  for (const { change, parts } of proof?.oneWay ?? []) io.out(`  one-way, validated but not round-tripped: ${change} (${parts.join(', ')})\n`);
  if (lock?.locked) {
    io.out(`locked contracts: ${plural(lock.unchanged.length, 'version')} unchanged${lock.notes.length > 0 ? ' but for non-breaking differences' : ''}${lock.unlocked.length > 0 ? `; not locked yet: ${lock.unlocked.join(', ')} (run verso lock once published)` : ''}\n`);
    for (const note of lock.notes) io.out(`  non-breaking since the lock: ${note}\n`);
  } else if (lock) {
    io.out('locked contracts: none (run verso lock to lock the published versions)\n');
  }
  if (errors) {
    io.out(errors.checked > 0
      ? `errors.template: ${plural(errors.codes, 'gateway error')} validated against the spec's error responses (${plural(errors.checked, 'check')})\n`
      : 'errors.template: the spec declares no error response for any status the gateway answers with; nothing to validate\n');
  }
  return 0;
}
