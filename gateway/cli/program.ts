/**
 * The `verso` command line: one subcommand per file, wired here; main.ts runs it on the process.
 *
 * Each subcommand's module is imported in its action: `verso pin list` should not load the proxy,
 * the translation engine or the store drivers it does not use (about half of a CLI start-up), so
 * this file and io.ts import nothing heavy (test/cli/smoke.test.ts checks what a light command
 * loads).
 *
 * `runCli` is the whole command, parsing included, writing to an `Io` and reading stdin from the
 * stream it is given, and it returns the exit status instead of exiting: the tests run every
 * command in-process through it, exactly as the binary does.
 */

import type { Readable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../config/load.js';
import { TranslationError } from '../translate/bundle.js';
import type { ChangelogOptions } from './changelog.js';
import type { CheckOptions } from './check.js';
import { stdio, USAGE, type Io } from './io.js';
import type { KeyIdOptions } from './key-id.js';
import type { LockOptions } from './lock.js';
import type { TypesOptions } from './types.js';
import type { NewChangeOptions } from './new-change.js';
import type { PinListOptions, PinOptions } from './pin.js';
import type { ReportOptions } from './report.js';
import type { SpecOptions } from './spec.js';

const DEFAULT_CONFIG = process.env.VERSO_CONFIG ?? 'gateway.yaml';

export interface CliStreams {
  /** Where output goes; the process's stdout and stderr by default. */
  io?: Io;
  /** What `verso key-id` reads the key from; the process's stdin by default. */
  stdin?: Readable;
}

/** `verso ARGS` (without `node` and the script): the exit status, once the command is done. */
export async function runCli(args: readonly string[], { io = stdio, stdin = process.stdin }: CliStreams = {}): Promise<number> {
  let status = 0;
  /**
   * Every action, through one wrapper: the command's result is the exit status; a config or change
   * mistake prints its message and gives 2, as `verso check` does; anything else prints the stack
   * and gives 1.
   */
  const action = <A extends unknown[]>(run: (...args: A) => Promise<number | void>) => async (...args: A): Promise<void> => {
    try {
      status = (await run(...args)) ?? 0;
    } catch (err) {
      status = failure(err, io);
    }
  };

  const program = new Command()
    .name('verso')
    .description('Verso: an API versioning gateway.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      // Captured output is not a terminal: help as wide and as plain as in a pipe.
      ...(io === stdio ? {} : { getOutHelpWidth: () => 80, getErrHelpWidth: () => 80, getOutHasColors: () => false, getErrHasColors: () => false }),
    });

  program
    .command('init')
    .description('Scaffold a project that depends on verso: gateway.yaml, a placeholder spec, versions/ with one example change and its test, package.json scripts. Never overwrites a file.')
    .argument('[dir]', 'the project folder', '.')
    .action(action(async (dir: string) => (await import('./init.js')).initCommand({ dir }, io)));

  program
    .command('start')
    .description('Start the gateway and its admin listener.')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('-w, --workers <n>', 'worker processes serving the public listener: a number or "auto" (one per core); default: the config\'s workers (1)')
    .action(action(async (opts: { config: string; workers?: string }) => {
      const print = (line: string) => io.out(`${line}\n`);
      const cluster = (await import('node:cluster')).default;
      // A worker forked by the primary runs this same command line.
      if (cluster.isWorker) return (await import('./cluster.js')).startWorker(opts.config);
      const { loadConfigFile } = await import('../config/load.js');
      const { workerCount, startPrimary } = await import('./cluster.js');
      const workers = workerCount(loadConfigFile(opts.config), opts.workers);
      if (workers > 1) return startPrimary(opts.config, workers, print);
      const { startGateway } = await import('./start.js');
      await startGateway(opts.config, print);
    }));

  program
    .command('check')
    .description('Validate the configuration, prove the changes against the specs, and exit non-zero listing every problem.')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action(action(async (opts: CheckOptions) => (await import('./check.js')).checkCommand(opts, io)));

  program
    .command('types')
    .description('Write each version\'s schemas as TypeScript (<translation.changes>/verso-types.d.ts), so at(VERSION).schema(NAME) is typed and checked in the change files.')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action(action(async (opts: TypesOptions) => (await import('./types.js')).typesCommand(opts, io)));

  program
    .command('lock')
    .description('Write every version\'s derived contract to <translation.changes>/lock/; check then fails when an edit alters a version that is not the head.')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action(action(async (opts: LockOptions) => (await import('./lock.js')).lockCommand(opts, io)));

  program
    .command('spec')
    .description('Print one version\'s OpenAPI document (the version is read like a request\'s: id, alias or date).')
    .argument('[version]', 'version id, alias or date (or --version)')
    .option('--version <version>', 'version id, alias or date')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'yaml']).default('json'))
    .action(action(async (version: string | undefined, opts: Omit<SpecOptions, 'version'> & { version?: string }) => {
      const wanted = opts.version ?? version;
      if (wanted === undefined || (opts.version !== undefined && version !== undefined && opts.version !== version)) {
        io.err(wanted === undefined ? 'verso spec: name a version: verso spec VERSION (or --version VERSION)\n' : `verso spec: two versions given (${version} and --version ${opts.version}); name one\n`);
        return USAGE;
      }
      return (await import('./spec.js')).specCommand({ ...opts, version: wanted }, io);
    }));

  program
    .command('changelog')
    .description('Print the changelog generated from the changes, newest version first.')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .addOption(new Option('--format <format>', 'output format').choices(['markdown', 'json']).default('markdown'))
    .action(action(async (opts: ChangelogOptions) => (await import('./changelog.js')).changelogCommand(opts, io)));

  program
    .command('new-change')
    .description('Scaffold versions/VERSION/NAME.ts and its test test/versions/VERSION/NAME.test.ts.')
    .argument('<name>', 'the change\'s name, kebab-case (order-customer-renamed)')
    .requiredOption('--version <version>', 'the version that introduces the change (id or alias)')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action(action(async (name: string, opts: NewChangeOptions) => (await import('./new-change.js')).newChangeCommand(name, opts, io)));

  program
    .command('report')
    .description('Print the usage report from the configured store: requests by version, client or operation, or with --deprecated who still calls deprecated versions and what moving costs them.')
    .option('--deprecated', 'the deprecated-versions report (as GET /usage/deprecated)')
    .option('--since <when>', 'start of the range: a time before now (24h, 7d, 2w) or an RFC 3339 date or date-time', '7d')
    .addOption(new Option('--by <dimension>', 'group requests by').choices(['version', 'client', 'operation']).default('version'))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .option('--limit <n>', 'most groups (or clients per deprecated version) to list', '100')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action(action(async (opts: ReportOptions) => (await import('./report.js')).reportCommand(opts, io)));

  const pin = program
    .command('pin')
    .description('List, set or clear client pins in the configured store; running gateways pick changes up within pins.refresh.');

  pin
    .command('list')
    .description('List every pin.')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(action(async (opts: PinListOptions) => (await import('./pin.js')).pinListCommand(opts, io)));

  pin
    .command('set')
    .description('Pin a client to a version (id, alias or date, read like a request\'s).')
    .argument('<client>', 'the client id, as reports show it')
    .argument('<version>', 'version id, alias or date')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action(action(async (client: string, version: string, opts: PinOptions) => (await import('./pin.js')).pinSetCommand(client, version, opts, io)));

  pin
    .command('clear')
    .description('Remove a client\'s pin.')
    .argument('<client>', 'the client id')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action(action(async (client: string, opts: PinOptions) => (await import('./pin.js')).pinClearCommand(client, opts, io)));

  program
    .command('key-id')
    .description('Read an API key from stdin (one line) and print its client id, for the apiKey rule\'s labels.')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action(action(async (opts: KeyIdOptions) => (await import('./key-id.js')).keyIdCommand(opts, io, stdin)));

  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    // Help, or a command line commander rejected: it has printed why.
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  return status;
}

/** The exit status of a command that threw, having said why. */
function failure(err: unknown, io: Io): number {
  if (err instanceof ConfigError || err instanceof TranslationError) {
    io.err(`${err.message}\n`);
    return USAGE;
  }
  io.err(`verso: ${(err as Error).stack ?? String(err)}\n`);
  return 1;
}
