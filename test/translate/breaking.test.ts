import { describe, expect, it } from 'vitest';
import { classify } from '../../gateway/translate/generate/breaking.js';

/** A one-operation document: POST /things takes `request`, answers 201 with `response` (and 404 unless told). */
function doc(request: object, response: object, extra: { statuses?: string[]; paths?: object } = {}): Record<string, unknown> {
  const responses = Object.fromEntries((extra.statuses ?? ['201', '404']).map((s) => [s, { description: s, content: { 'application/json': { schema: s === '201' ? { $ref: '#/components/schemas/Thing' } : { type: 'object' } } } }]));
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/things': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingCreate' } } } }, responses } },
      ...extra.paths,
    },
    components: { schemas: { ThingCreate: request, Thing: response } },
  };
}

// Loose on purpose: each case edits a copy in place.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
const create: Loose = { type: 'object', required: ['name'], properties: { name: { type: 'string' }, kind: { type: 'string', enum: ['a', 'b'] }, note: { type: 'string' } } };
const thing: Loose = { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string' }, name: { type: 'string' }, state: { type: 'string', enum: ['on', 'off'] } } };
const before = doc(create, thing);
const rules = (after: Record<string, unknown>) => classify(before, after).map((f) => `${f.breaking ? 'breaking' : 'ok'} ${f.rule} ${f.where}`);
const clone = <T>(v: T): T => structuredClone(v);

describe('classifying contract differences as oasdiff does', () => {
  it('finds nothing between equal documents', () => {
    expect(rules(doc(create, thing))).toEqual([]);
  });

  it('breaks on a response property removed, and not on one added', () => {
    const removed = clone(thing); delete (removed.properties).state;
    expect(rules(doc(create, removed))).toEqual(['breaking response-property-removed response 201 body/state']);
    const added = clone(thing); (added.properties).color = { type: 'string' };
    expect(rules(doc(create, added))).toEqual(['ok response-property-added response 201 body/color']);
  });

  it('breaks on an endpoint removed, and not on one added', () => {
    expect(rules({ ...before, paths: {} })).toEqual(['breaking endpoint-removed endpoint']);
    expect(rules(doc(create, thing, { paths: { '/other': { get: { responses: {} } } } }))).toEqual(['ok endpoint-added endpoint']);
  });

  it('breaks on a type changed, in a request or a response', () => {
    const retyped = clone(thing); (retyped.properties).id.type = 'integer';
    expect(rules(doc(create, retyped))).toEqual(['breaking response-type-changed response 201 body/id']);
    const request = clone(create); (request.properties).note.type = 'integer';
    expect(rules(doc(request, thing))).toEqual(['breaking request-type-changed request body/note']);
  });

  it('breaks on a request enum value removed and a response enum value added, not the other way round', () => {
    const narrowed = clone(create); (narrowed.properties).kind.enum = ['a'];
    expect(rules(doc(narrowed, thing))).toEqual(['breaking request-enum-value-removed request body/kind']);
    const widened = clone(create); (widened.properties).kind.enum = ['a', 'b', 'c'];
    expect(rules(doc(widened, thing))).toEqual(['ok request-enum-value-added request body/kind']);
    const more = clone(thing); (more.properties).state.enum = ['on', 'off', 'broken'];
    expect(rules(doc(create, more))).toEqual(['breaking response-enum-value-added response 201 body/state']);
  });

  it('breaks on a new required request property, and not on a new optional one', () => {
    const required = clone(create); (required.properties).size = { type: 'integer' }; required.required = ['name', 'size'];
    expect(rules(doc(required, thing))).toEqual(['breaking new-required-request-property request body/size']);
    const optional = clone(create); (optional.properties).size = { type: 'integer' };
    expect(rules(doc(optional, thing))).toEqual(['ok request-property-added request body/size']);
  });

  it('breaks on a request property that became required and a response property that became optional', () => {
    const required = clone(create); required.required = ['name', 'note'];
    expect(rules(doc(required, thing))).toEqual(['breaking request-property-became-required request body/note']);
    const optional = clone(thing); optional.required = ['id'];
    expect(rules(doc(create, optional))).toEqual(['breaking response-property-became-optional response 201 body/name']);
  });

  it('breaks on a response status removed, and not on one added', () => {
    expect(rules(doc(create, thing, { statuses: ['201'] }))).toEqual(['breaking response-status-removed response 404']);
    expect(rules(doc(create, thing, { statuses: ['201', '404', '409'] }))).toEqual(['ok response-status-added response 409']);
  });

  it('breaks on a response that may now be null, and a request that no longer accepts it', () => {
    const nullable = clone(thing); (nullable.properties).name.type = ['string', 'null'];
    expect(rules(doc(create, nullable))).toEqual(['breaking response-became-nullable response 201 body/name']);
    const before2 = doc({ ...create, properties: { ...create.properties, note: { type: ['string', 'null'] } } }, thing);
    expect(classify(before2, before).map((f) => `${f.breaking ? 'breaking' : 'ok'} ${f.rule} ${f.where}`)).toEqual(['breaking request-no-longer-nullable request body/note']);
  });
});
