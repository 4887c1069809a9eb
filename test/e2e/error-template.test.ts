import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigText } from '../../gateway/config/load.js';
import { shopConfig, startOrigin, startTestGateway, type Origin, type TestGateway } from '../helpers/servers.js';

// Stripe's SDK raises only on a body with an `error` object, so a gateway 400 in RFC 9457 came
// back to the application as an ordinary result (issue 12). errors.template renders the
// gateway's errors in the API's own shape.
const STRIPE = `errors:
  format: template
  contentType: application/json
  template:
    error:
      type: invalid_request_error
      code: "{code}"
      message: "{detail}"
      doc_url: "https://docs.example.com/errors#{type}"
      supported_versions: "{supported_versions}"
      request_log_url: "{request_id}"
`;

describe('gateway errors in the API\'s own shape', () => {
  let origin: Origin;
  let gw: TestGateway;
  beforeAll(async () => {
    origin = await startOrigin();
    gw = await startTestGateway(shopConfig(origin.url, STRIPE));
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
  });

  it('renders an unknown version as the template says, with the values in their JSON types and the template\'s content type', async () => {
    const res = await fetch(`${gw.url}/orders`, { headers: { 'api-version': 'v9' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await res.json();
    expect(body).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'VERSO_UNKNOWN_VERSION',
        message: 'The API-Version header gives "v9", which is not a known version or alias. Supported versions: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01.',
        doc_url: 'https://docs.example.com/errors#https://verso.dev/problems/unknown-version',
        supported_versions: ['2023-06-01', '2024-01-01', '2024-09-01', '2025-06-01'],
        request_log_url: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });
  });

  it('leaves out a field the error does not have', async () => {
    const res = await fetch(`${gw.url}/nowhere`);
    expect(res.status).toBe(404);
    const { error } = await res.json();
    expect(error).toEqual({ type: 'invalid_request_error', code: 'VERSO_NOT_FOUND', message: 'No route serves /nowhere.', doc_url: 'https://docs.example.com/errors#https://verso.dev/problems/not-found', request_log_url: expect.any(String) });
  });

  it('refuses at start-up a template naming a field gateway errors do not have, or no template at all', () => {
    const problems = (extra: string) => {
      try {
        loadConfigText(shopConfig('http://127.0.0.1:1', extra), 'gateway.yaml', { env: {} });
      } catch (err) {
        if (err instanceof ConfigError) return err.problems.map((p) => `${p.path.join('.')}: ${p.message}`);
      }
      return [];
    };
    expect(problems('errors:\n  format: template\n  template: { error: { message: "{mesage}" } }\n')).toEqual([
      'errors.template.error.message: "{mesage}" names no field of a gateway error; use one of {status}, {type}, {code}, {title}, {detail}, {request_id}, {supported_versions}, {requested_version}, {version}, {sunset}, {successor_version}, {brownout_until}, {limit_bytes}, {max_depth}, {supported_media_types}, {change}, {client}, {parameter}',
    ]);
    expect(problems('errors:\n  format: template\n')).toEqual([
      'errors.template: is required when errors.format is "template": the API\'s error body, such as { error: { type: invalid_request_error, code: "{code}", message: "{detail}" } }',
    ]);
  });
});
