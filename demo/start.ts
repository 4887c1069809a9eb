/**
 * `npm start`: the demo. Starts the demo shop service on a free loopback port, points the
 * gateway's `shop` upstream at it (DEMO_UPSTREAM_URL, referenced from gateway.yaml) and starts
 * the gateway with gateway.yaml.
 */

import { startDemo } from './server.js';
import { startGateway } from '../gateway/cli/start.js';
import { ConfigError } from '../gateway/config/load.js';
import { TranslationError } from '../gateway/translate/bundle.js';

const demo = await startDemo({ host: '127.0.0.1', port: 0 });
process.env.DEMO_UPSTREAM_URL = demo.url;
try {
  const gateway = await startGateway(process.env.VERSO_CONFIG ?? 'gateway.yaml');
  process.stdout.write(`Demo upstream  ${demo.url}  (speaks only the head version)\n`);
  process.stdout.write(`Try:           curl -i ${gateway.url.replace('0.0.0.0', '127.0.0.1')}/orders -H 'API-Version: 2024-01-01'\n`);
} catch (err) {
  const known = err instanceof ConfigError || err instanceof TranslationError;
  process.stderr.write(`${known ? (err as Error).message : (err as Error).stack}\n`);
  await demo.close();
  process.exit(known ? 2 : 1);
}
