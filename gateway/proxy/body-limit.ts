/**
 * Request body size limit. A declared `Content-Length` over the limit is refused with 413 before
 * the upstream is contacted. A chunked body has no declared length; it is streamed through a
 * counter and, like nginx's `client_max_body_size`, the upstream request is aborted the moment the
 * limit is crossed, and the client gets 413.
 */

import { Transform, type TransformCallback } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { BODY_TOO_LARGE } from './forward.js';

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
        const error = Object.assign(new Error(`request body exceeds ${limit} bytes`), { code: BODY_TOO_LARGE, limitBytes: limit });
        callback(error);
        request.resume();
        return;
      }
      callback(null, chunk);
    },
  });
  request.on('error', (err) => counter.destroy(err));
  return request.pipe(counter);
}
