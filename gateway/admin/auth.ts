/**
 * The admin token. Usage data and pins are not for the open network, so when the admin listener
 * binds beyond loopback the config must carry `admin.token` (config/checks.ts), and every admin
 * route then needs `Authorization: Bearer TOKEN` — except what holds no data: the health probes
 * (orchestrators call them without credentials), the dashboard's page and assets (it asks for
 * the token in the browser before it fetches any data), and the generated documents of the
 * public API contract (/openapi, /docs, /changelog).
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problemSender } from '../respond.js';

const OPEN = /^\/(health\/(live|ready)|dashboard(\/[^?]*)?|openapi(\/[^?]*)?|docs(\/[^?]*)?|changelog)(\?|$)/;

export function requireAdminToken(admin: FastifyInstance, token: string, problemBase: string): void {
  // Compare digests, so the comparison takes the same time whatever the length of the guess.
  const expected = digest(token);
  const sendProblem = problemSender(problemBase);
  admin.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (OPEN.test(request.url)) return;
    const given = bearer(request.headers.authorization);
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    reply.header('www-authenticate', 'Bearer realm="verso-admin"');
    return sendProblem(reply, 'VERSO_ADMIN_UNAUTHORIZED', given === undefined
      ? 'This admin route needs the admin token: send Authorization: Bearer <admin.token>.'
      : 'The bearer token does not match admin.token.');
  });
}

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
