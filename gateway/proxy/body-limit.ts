/**
 * Request body size limit (`proxy.bodyLimit`), in one place. A declared `Content-Length` over the
 * limit is refused with 413 before the upstream is contacted. A chunked body has no declared
 * length; it is streamed through a counter and, like nginx's `client_max_body_size`, the upstream
 * request is aborted the moment the limit is crossed, and the client gets 413. A body the
 * up-chain reads whole (translate-request.ts) is counted the same way.
 */

import { Transform, type TransformCallback } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { ProblemCode } from '../errors.js';

/** The `code` of the error a body over the limit raises (carried through undici's error causes). */
export const BODY_TOO_LARGE = 'VERSO_BODY_TOO_LARGE';

/** The 413 problem, worded once whichever step noticed. */
export function bodyTooLarge(limit: number): { code: ProblemCode; detail: string; extensions: Record<string, unknown> } {
  return { code: 'VERSO_BODY_TOO_LARGE', detail: `The request body is larger than the limit of ${limit} bytes.`, extensions: { limit_bytes: limit } };
}

function tooLargeError(limit: number): Error {
  return Object.assign(new Error(`request body exceeds ${limit} bytes`), { code: BODY_TOO_LARGE, limitBytes: limit });
}

/** Whether the declared length exceeds the limit (no declaration: unknown, so false). */
export function declaredTooLarge(headers: IncomingMessage['headers'], limit: number): boolean {
  const length = headers['content-length'];
  return length !== undefined && Number(length) > limit;
}

/** The body stream to forward: the request itself, or a counting stream for undeclared lengths. */
export function limitedBody(request: IncomingMessage, limit: number): NodeJS.ReadableStream {
  if (request.headers['content-length'] !== undefined) return request;
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) {
        callback(tooLargeError(limit));
        request.resume();
        return;
      }
      callback(null, chunk);
    },
  });
  request.on('error', (err) => counter.destroy(err));
  return request.pipe(counter);
}

/** Read a body whole, failing with the BODY_TOO_LARGE error past `limit` bytes. */
export function readAll(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.destroy();
        reject(tooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** The limit a BODY_TOO_LARGE error (or one of its causes) carries; undefined when it is another error. */
export function limitExceeded(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: string }).code === BODY_TOO_LARGE) return (e as { limitBytes: number }).limitBytes;
  }
  return undefined;
}
