import { change, schema } from 'verso';

export default change({
  description: 'Customer.full_name is renamed name.',
  instructions: [schema('Customer').field('name').renamedFrom('full_name')],
});
