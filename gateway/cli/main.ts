#!/usr/bin/env node
/** The `verso` command: one subcommand per file, wired here. */

import { Command, Option } from 'commander';
import { ConfigError, loadConfigFile } from '../config/load.js';
import type { SpecOptions } from './spec.js';
import type { ChangelogOptions } from './changelog.js';
import type { NewChangeOptions } from './new-change.js';
import type { ReportOptions } from './report.js';
import type { PinListOptions, PinOptions } from './pin.js';
import type { KeyIdOptions } from './key-id.js';
import { TranslationError } from '../translate/bundle.js';

// Each subcommand's module is imported in its action: `verso pin list` should not load the proxy,
// the translation engine or the store drivers it does not use (about half of a CLI start-up).

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
      const { startGateway } = await import('./start.js');
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
      const { loadTranslator } = await import('../translate/translator.js');
      const translator = await loadTranslator(config);
      // Imported here so the proof (ajv, openapi-sampler) loads only for `check`.
      const { prove } = await import('../translate/prove/prove.js');
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
      const { specCommand } = await import('./spec.js');
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
      const { changelogCommand } = await import('./changelog.js');
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
      const { newChangeCommand } = await import('./new-change.js');
      process.exitCode = await newChangeCommand(name, opts);
    } catch (err) {
      fail(err);
    }
  });

program
  .command('report')
  .description('Print the usage report from the configured store: requests by version, client or operation, or with --deprecated who still calls deprecated versions and what moving costs them.')
  .option('--deprecated', 'the deprecated-versions report (as GET /usage/deprecated)')
  .option('--since <when>', 'start of the range: a time before now (24h, 7d, 2w) or an RFC 3339 date or date-time', '7d')
  .addOption(new Option('--by <dimension>', 'group requests by').choices(['version', 'client', 'operation']).default('version'))
  .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
  .option('--limit <n>', 'most groups (or clients per deprecated version) to list', '100')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .action(async (opts: ReportOptions) => {
    try {
      const { reportCommand } = await import('./report.js');
      process.exitCode = await reportCommand(opts);
    } catch (err) {
      fail(err);
    }
  });

const pin = program
  .command('pin')
  .description('List, set or clear client pins in the configured store; running gateways pick changes up within pins.refresh.');

pin
  .command('list')
  .description('List every pin.')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
  .action(async (opts: PinListOptions) => {
    try {
      const { pinListCommand } = await import('./pin.js');
      process.exitCode = await pinListCommand(opts);
    } catch (err) {
      fail(err);
    }
  });

pin
  .command('set')
  .description('Pin a client to a version (id, alias or date, read like a request\'s).')
  .argument('<client>', 'the client id, as reports show it')
  .argument('<version>', 'version id, alias or date')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .action(async (client: string, version: string, opts: PinOptions) => {
    try {
      const { pinSetCommand } = await import('./pin.js');
      process.exitCode = await pinSetCommand(client, version, opts);
    } catch (err) {
      fail(err);
    }
  });

pin
  .command('clear')
  .description('Remove a client\'s pin.')
  .argument('<client>', 'the client id')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .action(async (client: string, opts: PinOptions) => {
    try {
      const { pinClearCommand } = await import('./pin.js');
      process.exitCode = await pinClearCommand(client, opts);
    } catch (err) {
      fail(err);
    }
  });

program
  .command('key-id')
  .description('Read an API key from stdin (one line) and print its client id, for the apiKey rule\'s labels.')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .action(async (opts: KeyIdOptions) => {
    try {
      const { keyIdCommand } = await import('./key-id.js');
      process.exitCode = await keyIdCommand(opts);
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
