#!/usr/bin/env node
/** The `verso` command: one subcommand per file, wired here. */

import { Command, Option } from 'commander';
import { ConfigError, loadConfigFile } from '../config/load.js';
import { startGateway } from './start.js';
import { specCommand, type SpecOptions } from './spec.js';
import { changelogCommand, type ChangelogOptions } from './changelog.js';
import { newChangeCommand, type NewChangeOptions } from './new-change.js';
import { TranslationError } from '../translate/bundle.js';
import { loadTranslator } from '../translate/translator.js';

const DEFAULT_CONFIG = process.env.VERSO_CONFIG ?? 'gateway.yaml';

const program = new Command()
  .name('verso')
  .description('Verso: an API versioning gateway.')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode));

program
  .command('start')
  .description('Start the gateway and its admin listener.')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .action(async (opts: { config: string }) => {
    try {
      await startGateway(opts.config);
    } catch (err) {
      fail(err);
    }
  });

program
  .command('check')
  .description('Validate the configuration, prove the changes against the specs, and exit non-zero listing every problem.')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .action(async (opts: { config: string }) => {
    try {
      const config = loadConfigFile(opts.config);
      const translator = await loadTranslator(config);
      // Imported here so the proof (ajv, openapi-sampler) loads only for `check`.
      const { prove } = await import('../translate/prove.js');
      const proof = translator ? prove(translator.model) : undefined;
      if (proof && proof.failures.length > 0) {
        const n = proof.failures.length;
        process.stderr.write(`${opts.config}: ${n} change proof failure${n === 1 ? '' : 's'}:\n${proof.failures.map((f) => `  - ${f.message}\n`).join('')}`);
        process.exit(2);
      }
      const changes = translator ? `; ${translator.model.changes.length} change(s)` : '';
      process.stdout.write(`${opts.config}: OK (${config.versions.length} versions, head ${config.head}; ${config.upstreams.size} upstream(s); ${config.routes.length} route(s)${changes})\n`);
      if (proof) {
        const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
        process.stdout.write(`proved ${plural(proof.operations, 'operation')} across ${plural(proof.pairs, 'version pair')}\n`);
      }
    } catch (err) {
      fail(err);
    }
  });

program
  .command('spec')
  .description('Print one version\'s OpenAPI document (the version is read like a request\'s: id, alias or date).')
  .requiredOption('--version <version>', 'version id, alias or date')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'yaml']).default('json'))
  .action(async (opts: SpecOptions) => {
    try {
      process.exitCode = await specCommand(opts);
    } catch (err) {
      fail(err);
    }
  });

program
  .command('changelog')
  .description('Print the changelog generated from the changes, newest version first.')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .addOption(new Option('--format <format>', 'output format').choices(['markdown', 'json']).default('markdown'))
  .action(async (opts: ChangelogOptions) => {
    try {
      process.exitCode = await changelogCommand(opts);
    } catch (err) {
      fail(err);
    }
  });

program
  .command('new-change')
  .description('Scaffold versions/VERSION/NAME.ts and its test test/versions/VERSION/NAME.test.ts.')
  .argument('<name>', 'the change\'s name, kebab-case (order-customer-renamed)')
  .requiredOption('--version <version>', 'the version that introduces the change (id or alias)')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .action(async (name: string, opts: NewChangeOptions) => {
    try {
      process.exitCode = await newChangeCommand(name, opts);
    } catch (err) {
      fail(err);
    }
  });

function fail(err: unknown): never {
  if (err instanceof ConfigError || err instanceof TranslationError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`verso: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}

await program.parseAsync(process.argv);
