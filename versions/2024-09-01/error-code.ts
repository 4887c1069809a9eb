import { change, schema } from 'verso';

export default change({
  description: 'The machine-readable error field error.type is renamed error.code.',
  instructions: [schema('ErrorDetail').field('code').renamedFrom('type')],
});
