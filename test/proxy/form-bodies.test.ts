import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { change, schema } from '../../gateway/index.js';
import { Translator } from '../../gateway/translate/translator.js';
import { startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';
import { modelOf, openapi, ref } from '../translate/helpers.js';

// Stripe's SDK (and Rails and qs clients) send request bodies as application/x-www-form-urlencoded
// with brackets for nesting: `metadata[plan]=pro`, `items[0][price]=p_1`. A change must reach them
// as it reaches JSON bodies, and the upstream must get them back in the client's encoding.
const NEW = '2025-01-01';
const OLD = '2024-01-01';
const FORM = 'application/x-www-form-urlencoded';

const customer = {
  type: 'object',
  properties: {
    full_name: { type: 'string' },
    age: { type: 'integer' },
    vip: { type: 'boolean' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    items: { type: 'array', items: { type: 'object', properties: { price: { type: 'string' }, quantity: { type: 'integer' } } } },
    tags: { type: 'array', items: { type: 'string' } },
  },
} as const;

const doc = openapi(NEW, { Customer: customer }, {
  '/customers': {
    post: {
      requestBody: { content: { [FORM]: { schema: ref('Customer') } } },
      responses: { 200: { description: 'ok', content: { 'application/json': { schema: ref('Customer') } } } },
    },
  },
});

// `up` divides only a number: a form's "360" reaches it as 360 because the schema says integer.
const renamed = change({
  description: 'Customer.name is renamed full_name; age counts in months at the older version',
  instructions: [
    schema('Customer').field('full_name').renamedFrom('name'),
    schema('Customer').field('age').converted({ schema: { type: 'integer' }, down: (years) => (years as number) * 12, up: (months) => (typeof months === 'number' ? months / 12 : months) }),
  ],
});

describe('form-encoded request bodies', () => {
  let origin: Origin;
  let gw: TestGateway;
  beforeAll(async () => {
    origin = await startOrigin((_req, res, body) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ received: body }));
    });
    const translator = new Translator(modelOf(doc, [[NEW, { 'customer-name': renamed }], [OLD, {}]]), [NEW]);
    gw = await startTestGateway(`
versions:
  - id: "${OLD}"
  - id: "${NEW}"
upstreams:
  api:
    url: ${origin.url}
    speaks: "${NEW}"
routes:
  - prefix: /customers
    upstream: api
`, { translator });
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  async function post(body: string, contentType: string, version = OLD) {
    const before = origin.requests.length;
    const res = await fetch(`${gw.url}/customers`, { method: 'POST', headers: { 'content-type': contentType, 'api-version': version }, body });
    return { res, upstream: origin.requests.slice(before) };
  }

  it('translates a Stripe-style form body with nested objects and indexed arrays, and sends it on form-encoded', async () => {
    const { res, upstream } = await post('name=Grace&age=360&vip=true&metadata[plan]=pro&items[0][price]=p_1&items[0][quantity]=2&items[1][price]=p_2', FORM);
    expect(res.status).toBe(200);
    expect(upstream).toHaveLength(1);
    expect(upstream[0].headers['content-type']).toBe(FORM);
    expect(upstream[0].body).toBe('full_name=Grace&age=30&vip=true&metadata[plan]=pro&items[0][price]=p_1&items[0][quantity]=2&items[1][price]=p_2');
    expect(upstream[0].headers['content-length']).toBe(String(Buffer.byteLength(upstream[0].body)));
  });

  it('reads percent-encoded brackets and keeps the client\'s array style (`tags[]=`)', async () => {
    const { res, upstream } = await post('name=Ada%20L&tags%5B%5D=a&tags%5B%5D=b&age=12', FORM);
    expect(res.status).toBe(200);
    expect(upstream[0].body).toBe('full_name=Ada%20L&tags[]=a&tags[]=b&age=1');
  });

  it('coerces only what the schema types and leaves text that does not read as its type for the upstream to judge', async () => {
    const { upstream } = await post('name=x&vip=maybe&items[0][quantity]=two&metadata[count]=7', FORM);
    expect(upstream[0].body).toBe('full_name=x&vip=maybe&items[0][quantity]=two&metadata[count]=7');
  });

  it('passes a form body at the head version through untouched', async () => {
    const body = 'full_name=Grace&metadata%5Bplan%5D=pro';
    const { res, upstream } = await post(body, FORM, NEW);
    expect(res.status).toBe(200);
    expect(upstream[0].body).toBe(body);
  });

  it('answers 415 naming the media types it can translate for a body it cannot read, and sends nothing upstream', async () => {
    const { res, upstream } = await post('--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nGrace\r\n--b--\r\n', 'multipart/form-data; boundary=b');
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    const problem = await res.json();
    expect(problem).toMatchObject({
      status: 415,
      code: 'VERSO_UNSUPPORTED_MEDIA_TYPE',
      supported_media_types: ['application/json', FORM],
      detail: `This operation's request body is translated between API versions, which Verso can do for application/json and ${FORM} bodies, not multipart/form-data; boundary=b.`,
    });
    expect(upstream).toEqual([]);
  });

  it('answers 400 invalid-form for a form nested past the limit', async () => {
    const deep = `name=x&metadata${'[a]'.repeat(40)}=1`;
    const { res, upstream } = await post(deep, FORM);
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe('VERSO_INVALID_FORM');
    expect(upstream).toEqual([]);
  });

  it('still translates the same operation\'s JSON bodies', async () => {
    const { upstream } = await post(JSON.stringify({ name: 'Grace', age: 24 }), 'application/json');
    expect(JSON.parse(upstream[0].body)).toEqual({ full_name: 'Grace', age: 2 });
  });
});
