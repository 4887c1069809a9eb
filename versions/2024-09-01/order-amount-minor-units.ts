import { at, change } from 'verso';

// at('2024-09-01'): typed from versions/verso-types.d.ts (`verso types`): `up` gets 2024-01-01's
// amount (a string), `down` 2024-09-01's (a number), and a misspelt schema or field does not compile.
const order = at('2024-09-01').schema('Order');
const orderCreate = at('2024-09-01').schema('OrderCreate');
const decimal = { type: 'string', pattern: '^\\d+\\.\\d{2}$', description: 'Amount in major units, such as "12.50".' };

export default change({
  description: 'Order.amount is an integer in the currency\'s minor unit (1250) instead of a decimal '
    + 'string in major units ("12.50"), and orders carry a currency. Earlier versions only knew usd.',
  instructions: [
    order.field('amount').converted({ schema: decimal, up: (value) => Math.round(Number(value) * 100), down: (value) => (value / 100).toFixed(2) }),
    orderCreate.field('amount').converted({
      schema: { ...decimal, description: 'Amount in major units, such as "45.50".' },
      up: (value) => Math.round(Number(value) * 100),
      down: (value) => (value / 100).toFixed(2),
    }),
    order.field('currency').added(),
    orderCreate.field('currency').added({ default: 'usd' }),
  ],
});
