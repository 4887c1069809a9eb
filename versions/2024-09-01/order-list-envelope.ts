import { change, endpoint, type JsonObject } from 'verso';

export default change({
  description: 'GET /orders returns a page object { data, has_more } instead of a bare array of orders.',
  instructions: [
    endpoint('GET /orders').response((res) => {
      res.body = (res.body as JsonObject).data;
    }, { status: 200, schema: { type: 'array', items: { $ref: '#/components/schemas/Order' } } }),
  ],
});
