import { change, schema } from '../../gateway/index.js';

export default change({
  description: 'The machine-readable error field error.type is renamed error.code.',
  instructions: [schema('ErrorDetail').field('code').renamedFrom('type')],
});
