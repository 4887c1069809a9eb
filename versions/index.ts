/**
 * The demo shop's versions, newest first, each with the changes it introduced. The ids match
 * `versions` in gateway.yaml; the oldest version carries no changes.
 */

import { version, versions } from 'verso';
import orderCustomerId from './2025-06-01/order-customer-id.js';
import orderStatusCanceled from './2025-06-01/order-status-canceled.js';
import orderAmountMinorUnits from './2024-09-01/order-amount-minor-units.js';
import orderListEnvelope from './2024-09-01/order-list-envelope.js';
import customerFullName from './2024-09-01/customer-full-name.js';
import errorCode from './2024-09-01/error-code.js';
import orderCreatedAt from './2024-01-01/order-created-at.js';

export default versions(
  version('2025-06-01', orderCustomerId, orderStatusCanceled),
  version('2024-09-01', orderAmountMinorUnits, orderListEnvelope, customerFullName, errorCode),
  version('2024-01-01', orderCreatedAt),
  version('2023-06-01'),
);
