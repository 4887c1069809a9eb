#!/usr/bin/env node
/**
 * Micro benchmark of the header rewrites on Verso's passthrough path (gateway/proxy/headers.ts as
 * forward.ts uses them), on header objects captured from a real request and a real undici
 * response, the shapes reply-from hands to rewriteRequestHeaders / rewriteHeaders. A reference
 * line does the same the old way, deleting from and adding to reply-from's copy in place (in the
 * end-to-end CPU profile of revision 0999aa9 that cost ~20 µs per request; building new objects,
 * 35a08eb, took it to ~7). Object-shape effects depend on what ran before: run it a few times.
 *
 *   npm run build && node bench/micro/headers.mjs
 */

import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../package.json', import.meta.url));
const { request } = require('undici');
const { mergeVary, upstreamRequestHeaders, withoutHopByHop } = await import(new URL('../../dist/gateway/proxy/headers.js', import.meta.url));

const HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'te', 'transfer-encoding', 'upgrade']);
const FORWARDING = new Set(['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip']);
const facts = { remoteAddress: '127.0.0.1', protocol: 'http', host: '127.0.0.1:8080' };
const lifecycle = { 'api-version': '2024-01-01', deprecation: '@1748736000', sunset: 'Sat, 31 Jan 2099 00:00:00 GMT', link: '<https://shop.example.com/docs/2025-06-01>; rel="successor-version"' };

function bench(name, fn, n = 300_000) {
  for (let i = 0; i < 50_000; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  console.log(`${name.padEnd(64)} ${(Number(process.hrtime.bigint() - start) / n).toFixed(0).padStart(6)} ns/op`);
}

/** One real request's headers (node:http) and one real response's headers (undici). */
async function capture() {
  let requestHeaders;
  const server = http.createServer((req, res) => {
    requestHeaders ??= req.headers;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }).end('{}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const res = await request(`http://127.0.0.1:${port}/orders/ord_1`, { headers: { 'api-version': '2024-01-01' } });
  await res.body.text();
  await new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /orders/ord_1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAPI-Version: 2024-01-01\r\nConnection: close\r\n\r\n'));
    socket.on('data', () => {}).on('close', resolve);
  });
  server.close();
  server.closeAllConnections();
  return { requestHeaders, responseHeaders: res.headers };
}

const { requestHeaders, responseHeaders } = await capture();
// reply-from: `const headers = { ...req.headers }; headers.host = url.host`, then rewriteRequestHeaders.
const copy = () => {
  const h = { ...requestHeaders };
  h.host = '127.0.0.1:3000';
  return h;
};

/** The old approach, kept here as the reference: delete in place, then add. */
function deleteInPlace(h, names) {
  for (const name of names) if (h[name] !== undefined) delete h[name];
  return h;
}

bench('request: upstreamRequestHeaders + 2 sets (gateway today)', () => {
  const out = upstreamRequestHeaders(copy(), requestHeaders, facts, false);
  out['api-version'] = '2025-06-01';
  out['x-request-id'] = 'b3a1c7e2-0f0e-4a1b-9c1d-2e3f4a5b6c7d';
  return out;
});
bench('request: delete in place, then add (reference)', () => {
  const h = deleteInPlace(deleteInPlace(copy(), HOP), FORWARDING);
  for (const name of FORWARDING) delete h[name];
  h['x-forwarded-for'] = facts.remoteAddress;
  h['x-forwarded-proto'] = facts.protocol;
  h['x-forwarded-host'] = facts.host;
  h['api-version'] = '2025-06-01';
  h['x-request-id'] = 'b3a1c7e2-0f0e-4a1b-9c1d-2e3f4a5b6c7d';
  return h;
});
bench('response: withoutHopByHop + mergeVary + assign (gateway today)', () => {
  const out = withoutHopByHop(responseHeaders);
  out.vary = mergeVary(out.vary, 'API-Version, Accept');
  return Object.assign(out, lifecycle);
});
bench('response: delete in place, then add (reference)', () => {
  const out = deleteInPlace({ ...responseHeaders }, HOP);
  out.vary = mergeVary(out.vary, 'API-Version, Accept');
  return Object.assign(out, lifecycle);
});
