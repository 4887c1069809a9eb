/**
 * The response half of the path (gateway/respond.ts), in-process: the header view a change sees,
 * the down-chain run on an answer's status, headers and body, and the head of a proxied answer.
 */
import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { change, endpoint } from '../gateway/index.js';
import { answerHeaders, downChain, headerView } from '../gateway/respond.js';
import type { RequestContext } from '../gateway/request-context.js';
import { buildResponseChain } from '../gateway/translate/chain.js';
import type { Headers } from '../gateway/proxy/headers.js';
import { answers, modelOf, openapi, ref } from './translate/helpers.js';

const NEW = '2025-06-01';
const OLD = '2024-01-01';

describe('the header view a response change sees', () => {
  it('reads lower-cased names as one string each, joining repeated headers', () => {
    const view = headerView({ 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'content-length': 12 });
    expect({ type: view['Content-Type'], cookies: view['set-cookie'], length: view['content-length'], missing: view['x-nope'] })
      .toEqual({ type: 'application/json', cookies: 'a=1, b=2', length: '12', missing: undefined });
    expect({ ...view }).toEqual({ 'content-type': 'application/json', 'set-cookie': 'a=1, b=2', 'content-length': '12' });
    expect(['content-type' in view, 'x-nope' in view]).toEqual([true, false]);
  });

  it('writes set and deleted headers through to the answer, leaving the others in their exact form', () => {
    const headers: Headers = { 'set-cookie': ['a=1', 'b=2'], 'x-total': '3', etag: '"e1"' };
    const view = headerView(headers);
    view['X-Total-Count'] = view['x-total'];
    delete view['x-total'];
    expect(headers).toEqual({ 'set-cookie': ['a=1', 'b=2'], etag: '"e1"', 'x-total-count': '3' });
  });
});

describe('the down-chain', () => {
  const spec = () => openapi(NEW, { Order: { type: 'object', properties: { id: { type: 'string' } } } }, { '/orders/{id}': { get: answers(ref('Order')) } });
  const chainWith = (fn: (r: { status: number; headers: Record<string, string>; body: unknown }) => void) => {
    const model = modelOf(spec(), [[NEW, { hook: change({ description: 'a response hook', instructions: [endpoint('GET /orders/{id}').response(fn as never)] }) }], [OLD, {}]]);
    return buildResponseChain(model, 'GET /orders/{id}', NEW, OLD);
  };
  const deps = { sendProblem: () => { throw new Error('no problem expected'); }, observeTranslation: () => {}, jsonDepth: 256 };
  const reply = {} as FastifyReply;

  it('translates a collected body and its headers in one pass, and sets Content-Length to the new body', () => {
    const answer = downChain(chainWith((r) => {
      r.headers['x-order'] = String((r.body as { id: string }).id);
      (r.body as Record<string, unknown>).legacy = true;
    }), deps);
    const headers: Headers = { 'content-type': 'application/json', 'content-length': '12', 'set-cookie': ['a=1', 'b=2'] };
    expect(answer.collects(200, headers)).toBe(true);
    const out = answer.whole(reply, 200, headers, '{"id":"o1"}', 'shop');
    expect(out).toEqual({ status: 200, body: '{"id":"o1","legacy":true}' });
    expect(headers).toEqual({ 'content-type': 'application/json', 'content-length': '25', 'set-cookie': ['a=1', 'b=2'], 'x-order': 'o1' });
  });

  it('replaces the answer\'s headers when a change assigns a new headers object', () => {
    const answer = downChain(chainWith((r) => { r.headers = { 'content-type': r.headers['content-type'], 'x-only': 'yes' }; }), deps);
    const headers: Headers = { 'content-type': 'application/json', etag: '"e1"' };
    answer.whole(reply, 200, headers, '{"id":"o1"}', 'shop');
    expect(headers).toEqual({ 'content-type': 'application/json', 'x-only': 'yes', 'content-length': '11' });
  });

  it('does not collect a body that is not JSON', () => {
    const answer = downChain(chainWith(() => {}), deps);
    expect(answer.collects(200, { 'content-type': 'text/csv' })).toBe(false);
    expect(answer.collects(200, { 'content-type': 'application/vnd.shop+json; charset=utf-8' })).toBe(true);
  });
});

describe('the head of a proxied answer', () => {
  it('drops hop-by-hop headers, merges Vary and adds the version\'s headers', () => {
    const ctx = { vary: 'API-Version', responseHeaders: { 'api-version': OLD, deprecation: '@1' } } as unknown as RequestContext;
    const headers = answerHeaders(ctx, { connection: 'keep-alive, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', vary: 'Accept-Encoding', 'content-type': 'text/plain' }, true);
    expect(headers).toEqual({ vary: 'Accept-Encoding, API-Version', 'content-type': 'text/plain', connection: 'close', 'api-version': OLD, deprecation: '@1' });
  });
});
