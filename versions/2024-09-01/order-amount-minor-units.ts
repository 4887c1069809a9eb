import { change, schema, type Json } from 'verso';

/** "12.50" (major units, two decimals) → 1250 (minor units). */
const toMinor = (value: Json) => Math.round(Number(value) * 100);
/** 1250 → "12.50". */
const toMajor = (value: Json) => (Number(value) / 100).toFixed(2);
const decimal = { type: 'string', pattern: '^\\d+\\.\\d{2}$', description: 'Amount in major units, such as "12.50".' };

export default change({
  description: 'Order.amount is an integer in the currency\'s minor unit (1250) instead of a decimal '
    + 'string in major units ("12.50"), and orders carry a currency. Earlier versions only knew usd.',
  instructions: [
    schema('Order').field('amount').converted({ schema: decimal, up: toMinor, down: toMajor }),
    schema('OrderCreate').field('amount').converted({ schema: { ...decimal, description: 'Amount in major units, such as "45.50".' }, up: toMinor, down: toMajor }),
    schema('Order').field('currency').added(),
    schema('OrderCreate').field('currency').added({ default: 'usd' }),
  ],
});
