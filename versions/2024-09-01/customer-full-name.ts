import { change, schema } from '../../gateway/index.js';

export default change({
  description: 'Customer.full_name is renamed name.',
  instructions: [schema('Customer').field('name').renamedFrom('full_name')],
});
