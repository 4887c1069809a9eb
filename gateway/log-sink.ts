/**
 * Where the gateway's log lines go (stdout, unless a test hands the gateway a stream of its own).
 *
 * One JSON line per request is most of what a busy gateway writes, so lines are collected here as
 * strings and handed to the writer in batches of about `batchBytes` (and at the latest every
 * `intervalMs`). The writer is pino's asynchronous destination (sonic-boom), which does the I/O off
 * the event loop and copes with pipes that are full (EAGAIN) or take partial writes. Handing it
 * each line separately cost the passthrough path ~3 µs per request on the benchmark machine
 * (sonic-boom measures the byte length of its growing buffer on every write, and encodes each
 * write on its own), about as much as all of the gateway's own request-path work
 * (bench/README.md, "Profiling"); a batch is measured and encoded once.
 *
 * Order is kept: pino's lines (warnings, errors) and the access lines go through the same batch.
 * Nothing is lost on the way out: `flush(cb)` (pino's `logger.flush`, called on graceful
 * shutdown) calls back once the batch has been written, and on process exit whatever is still
 * held is written synchronously.
 */

import pino, { type DestinationStream } from 'pino';

export interface LogSink extends DestinationStream {
  write(line: string): boolean;
  /** Hand everything held to the writer; `cb` once it has been written. */
  flush(cb?: (err?: Error) => void): void;
  /** Write everything held before returning (process exit). */
  flushSync(): void;
}

export interface LogSinkOptions {
  /** File descriptor to write to (default 1, stdout). */
  fd?: number;
  /** Hand a batch to the writer once it holds this many characters (default 64 KB). */
  batchBytes?: number;
  /** ... and at the latest this often, so a quiet gateway's lines still appear (default 250 ms). */
  intervalMs?: number;
}

export function createLogSink(options: LogSinkOptions = {}): LogSink {
  const batchBytes = options.batchBytes ?? 65_536;
  // minLength 1: write whatever it is handed at once (a batch is already big), and let flush(cb)
  // wait for a write in flight, which minLength 0 does not.
  const writer = pino.destination({ dest: options.fd ?? 1, sync: false, minLength: 1, maxWrite: 4 * batchBytes });
  let held: string[] = [];
  let heldBytes = 0;

  function handOver(): void {
    if (held.length === 0) return;
    const batch = held.length === 1 ? held[0]! : held.join('');
    held = [];
    heldBytes = 0;
    writer.write(batch);
  }

  const timer = setInterval(handOver, options.intervalMs ?? 250);
  timer.unref();
  process.once('exit', () => sink.flushSync());

  const sink: LogSink = {
    write(line: string): boolean {
      held.push(line);
      heldBytes += line.length;
      if (heldBytes >= batchBytes) handOver();
      return true;
    },
    flush(cb?: (err?: Error) => void): void {
      handOver();
      writer.flush(cb);
    },
    flushSync(): void {
      handOver();
      try {
        writer.flushSync();
      } catch {
        // The descriptor is gone or not ready: nothing more can be written.
      }
    },
  };
  return sink;
}
