/**
 * What every `verso` subcommand writes to and exits with. Its own module, free of imports, so that
 * a light command (`verso key-id`, `verso pin`) loads nothing it does not use: the OpenAPI engine
 * and the translator load only for the commands that read the changes.
 */

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Exit status for a mistake in the command line or config: the same as `verso check`'s. */
export const USAGE = 2;

/** Exit status when the usage store cannot be read (unreachable database, locked or corrupt file). */
export const STORE_FAILED = 1;
