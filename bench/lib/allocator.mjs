/**
 * The allocator settings the Docker image runs with: the Dockerfile's `ENV GLIBC_TUNABLES=…`
 * line, read from the Dockerfile so benchmarks that compare against glibc's defaults cannot drift
 * from what ships.
 */

import { readFileSync } from 'node:fs';

export const IMAGE_TUNABLES = /^ENV GLIBC_TUNABLES=(\S+)/m.exec(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'))?.[1];
if (IMAGE_TUNABLES === undefined) throw new Error('the Dockerfile sets no GLIBC_TUNABLES');
