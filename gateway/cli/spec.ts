/**
 * `verso spec --version V`: print one version's OpenAPI document. V is read the way a request's
 * version is: an id, an alias, or a date (the closest earlier version), so what this prints is
 * exactly the contract a client sending that value gets.
 */

import YAML from 'yaml';
import { loadConfigFile } from '../config/load.js';
import type { GatewayConfig } from '../config/types.js';
import { versionDocument } from '../translate/generate/openapi-out.js';
import { loadTranslator, type Translator } from '../translate/translator.js';
import { stdio, USAGE, type Io } from './io.js';
import { resolveVersion } from './version-arg.js';

/** Load the config and its translation model, or explain that the config has none. */
export async function loadTranslation(configFile: string, command: string, io: Io): Promise<{ config: GatewayConfig; translator: Translator } | undefined> {
  const config = loadConfigFile(configFile);
  const translator = await loadTranslator(config);
  if (!translator) {
    io.err(`verso ${command}: ${configFile} has no translation section (translation.spec and translation.changes), so there are no changes to read\n`);
    return undefined;
  }
  return { config, translator };
}

/**
 * YAML 1.1 quoting (`version: "2024-01-01"`, `"yes"`) so 1.1 readers do not turn ids into dates or
 * booleans; the text is valid 1.2 as well. Multi-line text as literal blocks, never folded.
 */
const YAML_OPTIONS = { version: '1.1', blockQuote: 'literal', lineWidth: 0, aliasDuplicateObjects: false } as const;

export interface SpecOptions { config: string; version: string; format: 'json' | 'yaml' }

export async function specCommand(options: SpecOptions, io: Io = stdio): Promise<number> {
  const config = loadConfigFile(options.config);
  const resolved = resolveVersion(config, options.version);
  if ('problem' in resolved) {
    io.err(`verso spec: ${resolved.problem}\n`);
    return USAGE;
  }
  const loaded = await loadTranslation(options.config, 'spec', io);
  if (!loaded) return USAGE;
  const doc = versionDocument(loaded.translator.model, resolved.id, { config: loaded.config });
  io.out(options.format === 'yaml' ? YAML.stringify(doc, YAML_OPTIONS) : `${JSON.stringify(doc, null, 2)}\n`);
  return 0;
}
