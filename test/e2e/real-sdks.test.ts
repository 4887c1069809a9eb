import { Octokit } from '@octokit/core';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { change, schema, type JsonSchema } from '../../gateway/index.js';
import { Translator } from '../../gateway/translate/translator.js';
import { startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';
import { modelOf, openapi, ref } from '../translate/helpers.js';

// The real SDKs pointed at Verso (issue 12), with a small spec and a change of the test's own: what
// the upstream received and what the SDK returned or raised.
const FORM = 'application/x-www-form-urlencoded';
const json = (s: JsonSchema) => ({ content: { 'application/json': { schema: s } } });

describe('the Stripe SDK through Verso', () => {
  const OLD = '2024-06-20';
  const HEAD = '2025-03-31.basil';
  const customer: JsonSchema = { type: 'object', properties: { id: { type: 'string' }, object: { type: 'string' }, full_name: { type: 'string' }, metadata: { type: 'object', additionalProperties: { type: 'string' } } } };
  const create: JsonSchema = { type: 'object', properties: { full_name: { type: 'string' }, metadata: { type: 'object', additionalProperties: { type: 'string' } } } };
  const list: JsonSchema = { type: 'object', properties: { object: { type: 'string' }, url: { type: 'string' }, has_more: { type: 'boolean' }, data: { type: 'array', items: ref('Customer') } } };
  const id = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
  const doc = openapi(HEAD, { Customer: customer, CustomerCreate: create, CustomerList: list }, {
    '/v1/customers': {
      post: { requestBody: { content: { [FORM]: { schema: ref('CustomerCreate') } } }, responses: { 200: { description: 'ok', ...json(ref('Customer')) } } },
      get: { responses: { 200: { description: 'ok', ...json(ref('CustomerList')) } } },
    },
    '/v1/customers/{id}': {
      get: { parameters: id, responses: { 200: { description: 'ok', ...json(ref('Customer')) } } },
      post: { parameters: id, requestBody: { content: { [FORM]: { schema: ref('CustomerCreate') } } }, responses: { 200: { description: 'ok', ...json(ref('Customer')) } } },
    },
  });
  const renamed = change({
    description: 'Customers carry full_name instead of name.',
    instructions: [schema('Customer').field('full_name').renamedFrom('name'), schema('CustomerCreate').field('full_name').renamedFrom('name')],
  });
  let origin: Origin;
  let gw: TestGateway;
  let stripe: Stripe;
  beforeAll(async () => {
    origin = await startOrigin((req, res, body) => {
      res.setHeader('content-type', 'application/json');
      const sent = new URLSearchParams(body);
      const one = (n: number) => ({ id: `cus_${n}`, object: 'customer', full_name: sent.get('full_name') ?? (n === 1 ? 'Grace Hopper' : 'Ada Lovelace'), metadata: { plan: sent.get('metadata[plan]') ?? 'pro' } });
      if (req.method === 'GET' && req.url?.startsWith('/v1/customers?')) return res.end(JSON.stringify({ object: 'list', url: '/v1/customers', has_more: false, data: [one(1), one(2)] }));
      res.end(JSON.stringify(one(1)));
    });
    const translator = new Translator(modelOf(doc, [[HEAD, { 'customer-full-name': renamed }], [OLD, {}]]), [HEAD]);
    gw = await startTestGateway(`
versions:
  - id: "${OLD}"
  - id: "${HEAD}"
resolve:
  order: [header, default]
  header: Stripe-Version
upstreams:
  stripe:
    url: ${origin.url}
routes:
  - prefix: /v1
    upstream: stripe
errors:
  format: template
  template:
    error: { type: invalid_request_error, code: "{code}", message: "{detail}" }
`, { translator });
    const { port } = new URL(gw.url);
    stripe = new Stripe('sk_test_verso', { apiVersion: OLD as Stripe.LatestApiVersion, host: '127.0.0.1', port: Number(port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  it('creates with a form body and nested metadata at an old version: the upstream gets the head shape, the SDK the old one', async () => {
    const created = await stripe.customers.create({ name: 'Grace', metadata: { plan: 'pro' } } as Stripe.CustomerCreateParams);
    const seen = origin.requests.at(-1)!;
    expect(seen.headers['stripe-version']).toBe(HEAD);
    expect(seen.headers['content-type']).toBe(FORM);
    expect(new URLSearchParams(seen.body).toString()).toBe('full_name=Grace&metadata%5Bplan%5D=pro');
    expect(created).toMatchObject({ id: 'cus_1', object: 'customer', name: 'Grace', metadata: { plan: 'pro' } });
    expect((created as unknown as Record<string, unknown>).full_name).toBeUndefined();
  });

  it('updates with a form body and nested metadata at an old version', async () => {
    const updated = await stripe.customers.update('cus_1', { name: 'Grace B. Hopper', metadata: { plan: 'team', region: 'eu' } } as Stripe.CustomerUpdateParams);
    const seen = origin.requests.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', url: '/v1/customers/cus_1' });
    expect(seen.headers['content-type']).toBe(FORM);
    expect(new URLSearchParams(seen.body).toString()).toBe('full_name=Grace+B.+Hopper&metadata%5Bplan%5D=team&metadata%5Bregion%5D=eu');
    expect(updated).toMatchObject({ id: 'cus_1', name: 'Grace B. Hopper', metadata: { plan: 'team' } });
  });

  it('lists translated: every customer of the page in the old shape', async () => {
    const page = await stripe.customers.list({ limit: 2 });
    expect(origin.requests.at(-1)).toMatchObject({ method: 'GET', url: '/v1/customers?limit=2' });
    expect(page.data.map((c) => [c.id, c.name])).toEqual([['cus_1', 'Grace Hopper'], ['cus_2', 'Ada Lovelace']]);
    expect(page.data.every((c) => (c as unknown as Record<string, unknown>).full_name === undefined)).toBe(true);
  });

  it('retrieves translated', async () => {
    const got = await stripe.customers.retrieve('cus_1');
    expect(got).toMatchObject({ id: 'cus_1', name: 'Grace Hopper' });
  });

  it('raises the SDK\'s own error class on a gateway error rendered in Stripe\'s shape', async () => {
    const early = new Stripe('sk_test_verso', { apiVersion: '2020-01-01' as Stripe.LatestApiVersion, host: '127.0.0.1', port: Number(new URL(gw.url).port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
    const err = await early.customers.retrieve('cus_1').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, code: 'VERSO_UNKNOWN_VERSION' });
  });
});

describe('Octokit through Verso', () => {
  const OLD = '2022-11-28';
  const HEAD = '2026-03-10';
  const repo: JsonSchema = { type: 'object', properties: { id: { type: 'integer' }, full_name: { type: 'string' }, visibility: { type: 'string' } } };
  const doc = openapi(HEAD, { Repository: repo }, {
    '/repos/{owner}/{repo}': { get: { parameters: [{ name: 'owner', in: 'path', required: true, schema: { type: 'string' } }, { name: 'repo', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'ok', ...json(ref('Repository')) } } } },
  });
  const renamed = change({ description: 'Repository.visibility was private (a boolean).', instructions: [schema('Repository').field('visibility').converted({ schema: { type: 'boolean' }, down: (v) => v === 'private', up: (v) => (v ? 'private' : 'public') })] });
  let origin: Origin;
  let gw: TestGateway;
  beforeAll(async () => {
    origin = await startOrigin((_req, res) => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ id: 1, full_name: 'octo/verso', visibility: 'private' }));
    });
    const translator = new Translator(modelOf(doc, [[HEAD, { 'repo-visibility': renamed }], [OLD, {}]]), [HEAD]);
    gw = await startTestGateway(`
versions:
  - id: "${OLD}"
  - id: "${HEAD}"
resolve:
  header: X-GitHub-Api-Version
  mediaType: { vendor: github }
upstreams:
  github:
    url: ${origin.url}
routes:
  - prefix: /repos
    upstream: github
`, { translator });
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  it('reads at X-GitHub-Api-Version with Octokit\'s default Accept (vnd.github.v3+json) and gets the old shape', async () => {
    const octokit = new Octokit({ baseUrl: gw.url });
    const res = await octokit.request('GET /repos/{owner}/{repo}', { owner: 'octo', repo: 'verso', headers: { 'x-github-api-version': OLD } });
    expect(origin.requests.at(-1)!.headers.accept).toBe('application/vnd.github.v3+json');
    expect(origin.requests.at(-1)!.headers['x-github-api-version']).toBe(HEAD);
    expect(res.status).toBe(200);
    expect(res.headers['api-version']).toBe(OLD);
    expect(res.data).toEqual({ id: 1, full_name: 'octo/verso', visibility: true });
  });
});
