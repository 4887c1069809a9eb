import { describe, expect, it } from 'vitest';
import { camelCase, KEBAB_CASE, placeholderSample, toKebabCase, tsLiteral } from '../../../gateway/translate/generate/scaffold.js';
import type { OpenApiDocument } from '../../../gateway/translate/spec.js';

describe('scaffold helpers', () => {
  it('accepts kebab-case names only, and suggests one for the rest', () => {
    for (const ok of ['order-note', 'a', 'v2-amounts', 'x1-y2']) expect(KEBAB_CASE.test(ok), ok).toBe(true);
    for (const bad of ['Order-note', 'order_note', 'order--note', '-order', 'order-', '2-orders', '']) expect(KEBAB_CASE.test(bad), bad).toBe(false);
    expect(toKebabCase('OrderGiftNote')).toBe('order-gift-note');
    expect(toKebabCase('order_gift note')).toBe('order-gift-note');
    expect(toKebabCase('2fa-codes')).toBe('fa-codes');
    expect(camelCase('order-gift-note')).toBe('orderGiftNote');
  });

  it('writes JSON as TypeScript literals: bare keys, single quotes, one line when it fits', () => {
    expect(tsLiteral({ id: 'o\'1', 'content-type': 'a\\b', n: 1, ok: true, none: null, list: [] })).toBe("{ id: 'o\\'1', 'content-type': 'a\\\\b', n: 1, ok: true, none: null, list: [] }");
    const long = { description: 'x'.repeat(60), items: [{ id: 'a'.repeat(40) }, 2] };
    expect(tsLiteral(long, 4)).toBe([
      '{',
      `      description: '${'x'.repeat(60)}',`,
      `      items: [{ id: '${'a'.repeat(40)}' }, 2],`,
      '    }',
    ].join('\n'));
  });

  it('starts the test from the head\'s first GET with a JSON success response when the changes do not load', () => {
    const head = {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/a': { post: { responses: { 201: { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } } } } },
        '/b': { get: { responses: { 204: { description: 'none' }, 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } } } } },
      },
    } as unknown as OpenApiDocument;
    expect(placeholderSample(head)).toEqual({ operation: 'GET /b', status: 200, body: {}, expected: {} });
    expect(placeholderSample(undefined)).toEqual({ operation: 'GET /path', status: 200, body: {}, expected: {} });
  });
});
