#!/usr/bin/env node
/** The `verso` command: one subcommand per file, wired here. */

import { Command } from 'commander';
import { ConfigError, loadConfigFile } from '../config/load.js';
import { startGateway } from './start.js';
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
  .description('Validate the configuration and exit non-zero listing every problem.')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .action(async (opts: { config: string }) => {
    try {
      const config = loadConfigFile(opts.config);
      const translator = await loadTranslator(config);
      const changes = translator ? `; ${translator.model.changes.length} change(s)` : '';
      process.stdout.write(`${opts.config}: OK (${config.versions.length} versions, head ${config.head}; ${config.upstreams.size} upstream(s); ${config.routes.length} route(s)${changes})\n`);
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
