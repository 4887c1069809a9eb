import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogSink } from '../../gateway/log-sink.js';

let dir: string;
let file: string;
let fd: number;
beforeEach(() => {
  dir = mkdtempSync(join(os.tmpdir(), 'verso-log-sink-'));
  file = join(dir, 'out.log');
  fd = openSync(file, 'a');
});
afterEach(() => {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

const written = () => readFileSync(file, 'utf8');
const flushed = (sink: ReturnType<typeof createLogSink>) => new Promise<void>((resolve, reject) => sink.flush((err) => (err ? reject(err) : resolve())));

describe('the log sink', () => {
  it('holds lines until a batch is full, then writes them in the order given', async () => {
    const sink = createLogSink({ fd, batchBytes: 30, intervalMs: 60_000 });
    sink.write('{"n":1}\n');
    sink.write('{"n":2}\n');
    await new Promise((r) => setTimeout(r, 50));
    expect(written()).toBe('');
    sink.write('{"n":3}\n');
    sink.write('{"n":4}\n');
    await new Promise((r) => setTimeout(r, 50));
    expect(written()).toBe('{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n');
  });

  it('calls flush back once everything held has reached the file', async () => {
    const sink = createLogSink({ fd, batchBytes: 1 << 20, intervalMs: 60_000 });
    const lines = Array.from({ length: 1000 }, (_, i) => `{"n":${i}}\n`);
    for (const line of lines) sink.write(line);
    await flushed(sink);
    expect(written()).toBe(lines.join(''));
  });

  it('writes the lines of a quiet gateway within the interval', async () => {
    const sink = createLogSink({ fd, batchBytes: 1 << 20, intervalMs: 20 });
    sink.write('{"quiet":true}\n');
    const deadline = Date.now() + 2000;
    while (written() === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(written()).toBe('{"quiet":true}\n');
  });

  it('writes what it holds when the process exits', async () => {
    // A child process that writes two lines, far below a batch, and exits at once.
    const script = `
      import { openSync } from 'node:fs';
      import { createLogSink } from './gateway/log-sink.ts';
      const sink = createLogSink({ fd: openSync(${JSON.stringify(file)}, 'a'), intervalMs: 60000 });
      sink.write('{"last":1}\\n');
      sink.write('{"last":2}\\n');
      process.exit(0);
    `;
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '../..') });
    expect(written()).toBe('{"last":1}\n{"last":2}\n');
  });
});
