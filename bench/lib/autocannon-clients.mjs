/**
 * autocannon with one header cycling through N values (lib/load.mjs, when wrk is not installed):
 * the autocannon CLI cannot vary a header per request, its API can (`setupRequest`). Run as a
 * child pinned to the load core; prints the same JSON result as `autocannon -j`.
 *
 *   node lib/autocannon-clients.mjs '{"url":…,"connections":32,"seconds":8,"headers":{…},"clients":{"header":"X-Client-Id","count":100,"format":"client-%05d"}}'
 */

import autocannon from 'autocannon';
import { clientId } from './load.mjs';

const { url, connections, seconds, headers, clients } = JSON.parse(process.argv[2]);
const ids = Array.from({ length: clients.count }, (_, k) => clientId(clients.format, k));
let i = (clients.start ?? 0) % ids.length;
const result = await autocannon({
  url,
  connections,
  duration: seconds,
  timeout: 5,
  requests: [{
    setupRequest(request) {
      request.headers = { ...headers, [clients.header]: ids[i] };
      i = (i + 1) % ids.length;
      return request;
    },
  }],
});
process.stdout.write(JSON.stringify(result));
