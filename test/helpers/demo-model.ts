/** The demo's model and what the CLI prints for it, shared by the generator, CLI and admin tests. */

import { loadConfigFile } from '../../gateway/config/load.js';
import type { GatewayConfig } from '../../gateway/config/types.js';
import { loadTranslator, type Translator } from '../../gateway/translate/translator.js';

/** The demo configuration (gateway.yaml) and its translator. */
export async function demo(): Promise<{ config: GatewayConfig; translator: Translator }> {
  const config = loadConfigFile('gateway.yaml', { env: { ...process.env, DEMO_UPSTREAM_URL: '' } });
  const translator = (await loadTranslator(config))!;
  return { config, translator };
}

export const SUPPORTED = '2023-06-01 (v1), 2024-01-01 (v2), 2024-09-01 (v3), 2025-06-01 (v4)';

/** `verso changelog` for the demo, exactly. */
export const DEMO_CHANGELOG = `# Shop API changelog

Newest version first. Each version lists what changed for clients compared with the version before it.

## 2025-06-01 (v4) — latest

Documentation: <https://shop.example.com/docs/2025-06-01>

- Order.customer, the customer id, is renamed customer_id. The customer object that expand=customer adds to an order, formerly customer_details, is now customer. (\`2025-06-01/order-customer-id\`)
- The order status "cancelled" is spelled "canceled". (\`2025-06-01/order-status-canceled\`)

## 2024-09-01 (v3)

Documentation: <https://shop.example.com/docs/2024-09-01>

- Order.amount is an integer in the currency's minor unit (1250) instead of a decimal string in major units ("12.50"), and orders carry a currency. Earlier versions only knew usd. (\`2024-09-01/order-amount-minor-units\`)
- GET /orders returns a page object { data, has_more } instead of a bare array of orders. (\`2024-09-01/order-list-envelope\`)
- Customer.full_name is renamed name. (\`2024-09-01/customer-full-name\`)
- The machine-readable error field error.type is renamed error.code. (\`2024-09-01/error-code\`)

## 2024-01-01 (v2)

**Deprecated since 2025-06-01; sunset on 2027-01-31 (requests get 410 Gone from then on). Migrate to 2025-06-01.**

Brownout from 2027-01-15T14:00:00Z to 2027-01-15T16:00:00Z: 50% of requests get 410 Gone.

Documentation: <https://shop.example.com/docs/2024-01-01>

- Order.created (unix seconds) is replaced by created_at, an ISO 8601 date-time. (\`2024-01-01/order-created-at\`)

## 2023-06-01 (v1)

**Deprecated since 2024-06-01; sunset on 2025-12-31 (requests get 410 Gone from then on). Migrate to 2025-06-01.**

Documentation: <https://shop.example.com/docs/2023-06-01>

The first version.
`;
