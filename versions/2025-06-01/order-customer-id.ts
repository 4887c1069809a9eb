import { change, schema } from 'verso';

export default change({
  description: 'Order.customer, the customer id, is renamed customer_id. The customer object that '
    + 'expand=customer adds to an order, formerly customer_details, is now customer.',
  instructions: [
    schema('Order').field('customer_id').renamedFrom('customer'),
    schema('Order').field('customer').renamedFrom('customer_details'),
    schema('OrderCreate').field('customer_id').renamedFrom('customer'),
  ],
});
