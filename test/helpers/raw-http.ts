/**
 * HTTP/1.1 on a bare socket, for what fetch and undici normalise away or refuse to send: raw
 * request targets (`/v2/../admin`, `//admin`, `%2e%2e`, absolute-form), hop-by-hop request headers
 * (Connection, Keep-Alive, TE, Upgrade, Proxy-Connection) and the exact response header lines.
 */

import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header lines as received, names as sent. */
  rawHeaders: [string, string][];
  /** Lower-cased names; a repeated header becomes an array. */
  headers: Record<string, string | string[]>;
  body: Buffer;
  text: string;
}

/** One request on one connection, the response read as it arrives. */
export interface RawExchange {
  socket: Socket;
  /** Write more bytes (a body chunk, say) while the exchange is open. */
  write(data: string | Buffer): Promise<void>;
  /** Resolves once a complete response has arrived (by Content-Length, chunked end, or close). */
  response: Promise<RawResponse>;
  close(): void;
}

/** Open a connection to `baseUrl` and send `request` (request line, headers and any body). */
export function openRaw(baseUrl: string, request: string | Buffer): RawExchange {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port) });
  let buffer = Buffer.alloc(0);
  let parsedHead: Omit<RawResponse, 'body' | 'text'> | undefined;
  let bodyStart = 0;
  let settled = false;

  const response = new Promise<RawResponse>((resolve, reject) => {
    const finish = (body: Buffer) => {
      settled = true;
      resolve({ ...parsedHead!, body, text: body.toString('utf8') });
      socket.destroy();
    };
    const tryParse = (ended: boolean) => {
      if (settled) return;
      if (!parsedHead) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        parsedHead = parseHead(buffer.subarray(0, end).toString('latin1'));
        bodyStart = end + 4;
      }
      const body = buffer.subarray(bodyStart);
      const te = headerValue(parsedHead.headers['transfer-encoding']);
      const cl = headerValue(parsedHead.headers['content-length']);
      if (parsedHead.status === 204 || parsedHead.status === 304 || (parsedHead.status >= 100 && parsedHead.status < 200)) return finish(Buffer.alloc(0));
      if (te && /chunked/i.test(te)) {
        const dechunked = dechunk(body);
        if (dechunked) return finish(dechunked);
      } else if (cl !== undefined) {
        if (body.length >= Number(cl)) return finish(body.subarray(0, Number(cl)));
      } else if (ended) {
        return finish(body);
      }
      if (ended) {
        settled = true;
        reject(new Error(`connection closed before the response was complete (${body.length} body bytes)`));
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => {
      if (!settled) {
        tryParse(true);
        if (!settled) { settled = true; reject(new Error('connection closed before a response arrived')); }
      }
    });
    socket.on('error', (err) => {
      if (!settled) { settled = true; reject(err); }
    });
  });
  response.catch(() => {});

  const write = (data: string | Buffer) => new Promise<void>((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
  socket.write(request);
  return {
    socket,
    write,
    response,
    close: () => socket.destroy(),
  };
}

/** Send one complete request and wait for its response. */
export function rawRequest(baseUrl: string, request: string | Buffer): Promise<RawResponse> {
  return openRaw(baseUrl, request).response;
}

/** `GET <target>` with `Host` and `Connection: close` plus any extra header lines. */
export function rawGet(baseUrl: string, target: string, extraHeaders: string[] = []): Promise<RawResponse> {
  const { host } = new URL(baseUrl);
  return rawRequest(baseUrl, [`GET ${target} HTTP/1.1`, `Host: ${host}`, 'Connection: close', ...extraHeaders, '', ''].join('\r\n'));
}

function parseHead(text: string): Omit<RawResponse, 'body' | 'text'> {
  const [statusLine, ...lines] = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP/1 status line: ${statusLine}`);
  const rawHeaders: [string, string][] = [];
  const headers: Record<string, string | string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    rawHeaders.push([name, value]);
    const key = name.toLowerCase();
    const prior = headers[key];
    headers[key] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  return { status: Number(match[1]), rawHeaders, headers };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The de-chunked body once the terminating chunk has arrived, else undefined. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) return undefined;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1').split(';')[0], 16);
    if (Number.isNaN(size)) throw new Error('malformed chunk size');
    if (size === 0) {
      // Trailer section (usually empty) ends with CRLF CRLF.
      return data.indexOf('\r\n\r\n', lineEnd) === -1 ? undefined : Buffer.concat(parts);
    }
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}
