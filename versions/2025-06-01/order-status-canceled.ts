import { change, schema } from 'verso';

export default change({
  description: 'The order status "cancelled" is spelled "canceled".',
  instructions: [
    schema('Order').field('status').enumValueRenamed({ from: 'cancelled', to: 'canceled' }),
    schema('OrderCreate').field('status').enumValueRenamed({ from: 'cancelled', to: 'canceled' }),
  ],
});
