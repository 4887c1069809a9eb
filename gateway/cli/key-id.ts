/**
 * `verso key-id`: the client id of an API key, to put under the apiKey rule's `labels`. The key is
 * read from stdin (the first line, trimmed), never from the command line where it would land in
 * the shell's history and the process list, and is never printed.
 *
 *   printf %s "$KEY" | verso key-id
 */

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { keyId } from '../clients/api-key.js';
import { loadConfigFile } from '../config/load.js';
import { stdio, USAGE, type Io } from './io.js';

export interface KeyIdOptions { config: string }

/** The first line of a stream (without its line break), or undefined when it ends with nothing. */
export async function firstLine(input: Readable): Promise<string | undefined> {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
  }
}

export async function keyIdCommand(options: KeyIdOptions, io: Io = stdio, input: Readable = process.stdin): Promise<number> {
  const config = loadConfigFile(options.config);
  const rule = config.clients.find((r) => r.kind === 'api-key');
  if (!rule) {
    io.err(`verso key-id: ${options.config} has no apiKey client rule (clients: - apiKey: { header, salt }), so there is no salt to derive key ids with\n`);
    return USAGE;
  }
  if ((input as { isTTY?: boolean }).isTTY) io.err('API key (one line; it is not stored): ');
  const key = (await firstLine(input))?.trim();
  if (!key) {
    io.err('verso key-id: no API key on stdin; pipe one in: printf %s "$KEY" | verso key-id\n');
    return USAGE;
  }
  io.out(`${keyId(rule.salt, key)}\n`);
  return 0;
}
