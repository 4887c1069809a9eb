import { change, schema } from 'verso';

export default change({
  description: 'Order.created (unix seconds) is replaced by created_at, an ISO 8601 date-time.',
  instructions: [
    schema('Order').field('created_at').added(),
    schema('Order').field('created').removed({
      schema: { type: 'integer', description: 'When the order was created, in unix seconds.' },
      derive: (order) => Math.floor(Date.parse(order.created_at as string) / 1000),
    }),
  ],
});
