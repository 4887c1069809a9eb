/**
 * `verso init [DIR]`: a project that depends on verso, ready to run. It writes the configuration,
 * a placeholder head OpenAPI document, `versions/` with its index and one example change, that
 * change's test, and (when there is none) a package.json with the scripts; it never overwrites a
 * file. The example passes `verso check` as written: edit it into the API's real first change.
 */

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Io } from './io.js';

export interface InitOptions { dir?: string }

const CONFIG = `# Verso: the API versioning gateway in front of this API (see the verso README for every key).
listen:
  host: 0.0.0.0
  port: 8080
admin:
  host: 127.0.0.1
  port: 9901

# Oldest first; the last is the head, the version the service implements.
versions:
  - id: "2025-01-01"
  - id: "2025-06-01"

resolve:
  header: API-Version

upstreams:
  api:
    url: \${API_UPSTREAM_URL:-http://127.0.0.1:3000}
    speaks: head

routes:
  - prefix: /items
    upstream: api

translation:
  spec: specs/openapi.yaml
  changes: versions

store:
  sqlite: data/usage.db
`;

const SPEC = `# The head version's contract: replace with the API's own OpenAPI document.
openapi: 3.1.0
info:
  title: Example API
  version: "2025-06-01"
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: An item.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Item" }
components:
  schemas:
    Item:
      type: object
      required: [id, name]
      properties:
        id: { type: string }
        name: { type: string }
`;

const INDEX = `/** The versions, newest first, each with the changes it made (one file per change). */
import { version, versions } from 'verso';
import itemName from './2025-06-01/item-name.js';

export default versions(
  version('2025-06-01', itemName),
  version('2025-01-01'),
);
`;

const CHANGE = `/** item-name: what 2025-06-01 changed compared with 2025-01-01. */
import { change, schema } from 'verso';

export default change({
  description: 'Item.title is renamed name.',
  instructions: [schema('Item').field('name').renamedFrom('title')],
});
`;

const TEST = `/** versions/2025-06-01/item-name.ts: what 2025-01-01 clients get of 2025-06-01 responses. */
import { describe, it } from 'vitest';
import { expectTranslation } from 'verso/testing';

describe('2025-06-01/item-name', () => {
  it('gives 2025-01-01 clients the title they know', async () => {
    await expectTranslation({
      operation: 'GET /items/{id}', from: '2025-06-01', to: '2025-01-01',
      response: { status: 200, body: { id: 'it_1', name: 'Lamp' } },
      expected: { id: 'it_1', title: 'Lamp' },
    });
  });
});
`;

const PACKAGE = `{
  "name": "my-api-gateway",
  "private": true,
  "type": "module",
  "scripts": {
    "start": "verso start",
    "check": "verso check",
    "test": "vitest run"
  }
}
`;

export async function initCommand(options: InitOptions, io: Io): Promise<number> {
  const root = resolve(options.dir ?? '.');
  const files: [string, string][] = [
    ['gateway.yaml', CONFIG],
    ['specs/openapi.yaml', SPEC],
    ['versions/index.ts', INDEX],
    ['versions/2025-06-01/item-name.ts', CHANGE],
    ['test/versions/2025-06-01/item-name.test.ts', TEST],
  ];
  const hasPackage = existsSync(join(root, 'package.json'));
  if (!hasPackage) files.push(['package.json', PACKAGE]);
  const taken = files.filter(([file]) => existsSync(join(root, file))).map(([file]) => file);
  if (taken.length > 0) {
    io.err(`verso init: ${taken.join(', ')} already exist${taken.length === 1 ? 's' : ''} in ${root}; nothing was written (init never overwrites a file)\n`);
    return 2;
  }
  for (const [file, text] of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text, { flag: 'wx' });
  }
  const shown = relative(process.cwd(), root) || '.';
  io.out([
    ...files.map(([file]) => `Created ${join(shown, file)}`),
    '',
    'Next:',
    `  1. npm install verso${hasPackage ? ' (and add the scripts: "start": "verso start", "check": "verso check", "test": "vitest run"; with "type": "module")' : ''}; npm install -D vitest`,
    '  2. Replace specs/openapi.yaml with the API\'s head OpenAPI document, and set versions in gateway.yaml.',
    '  3. Turn versions/2025-06-01/item-name.ts into the first real change, or add one: npx verso new-change NAME --version V',
    '  4. npx verso check   (then npx verso start; the upstream URL comes from API_UPSTREAM_URL)',
    '',
  ].join('\n'));
  return 0;
}
