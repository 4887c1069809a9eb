/**
 * The form codec against qs, which defines the results (gateway/translate/form-codec.ts): any form
 * text decodes to what qs.parse gives with the gateway's options, and any decoded value encodes to
 * what qs.stringify writes. Arbitrary inputs come from fast-check, biased towards the brackets,
 * escapes and repeated keys that make forms interesting.
 */

import fc from 'fast-check';
import qs from 'qs';
import { describe, expect, it } from 'vitest';
import { parseForm, stringifyForm, type ArrayStyle } from '../../gateway/translate/form-codec.js';

const QS_PARSE = { depth: 32, strictDepth: true, arrayLimit: 10_000, parameterLimit: 10_000, throwOnLimitExceeded: true, allowPrototypes: false, plainObjects: true, charset: 'utf-8' } as const;

/** Either side's answer: the value, or the error it threw. */
function outcome(run: () => unknown): unknown {
  try {
    return { value: JSON.parse(JSON.stringify(run())) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const name = fc.constantFrom('a', 'b', 'items', 'metadata', 'x y', 'caf%C3%A9', '0', '1', '', '__proto__', 'toString', 'a.b');
const segment = fc.constantFrom('', '0', '1', '2', '10', '01', 'b', 'price', '%5B', '__proto__', 'x]y');
const key = fc.tuple(name, fc.array(segment, { maxLength: 4 }), fc.constantFrom('', '', '', 'tail', ']')).map(([n, segs, tail]) => `${n}${segs.map((s) => `[${s}]`).join('')}${tail}`);
const encodedKey = key.map((k) => k.replace(/\[/g, '%5B').replace(/\]/g, '%5D'));
const value = fc.oneof(fc.constantFrom('', 'pro', '12.50', 'a+b', 'a%20b', '%E2%9C%93', '%ZZ', 'x=y', '[]', 'true'), fc.string({ maxLength: 6 }));
const pair = fc.tuple(fc.oneof(key, encodedKey), fc.option(value, { nil: undefined })).map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
const form = fc.array(pair, { maxLength: 8 }).map((pairs) => pairs.join('&'));

describe('the form codec', () => {
  it('decodes any form as qs.parse does', () => {
    fc.assert(fc.property(form, (text) => {
      expect(outcome(() => parseForm(text))).toEqual(outcome(() => qs.parse(text, QS_PARSE)));
    }), { numRuns: 3000 });
  });

  it('decodes the forms Stripe\'s SDK sends on the fast path', () => {
    const text = 'customer=cus_1&amount=1999&metadata%5Bplan%5D=pro&items%5B0%5D%5Bprice%5D=p_1&items%5B0%5D%5Bquantity%5D=2&items%5B1%5D%5Bprice%5D=p_2&expand%5B%5D=customer&expand%5B%5D=items';
    expect(JSON.parse(JSON.stringify(parseForm(text)))).toEqual({
      customer: 'cus_1', amount: '1999', metadata: { plan: 'pro' },
      items: [{ price: 'p_1', quantity: '2' }, { price: 'p_2' }], expand: ['customer', 'items'],
    });
  });

  it('refuses what qs refuses: depth past 32, more than 10,000 parameters', () => {
    expect(() => parseForm(`a${'[b]'.repeat(33)}=1`)).toThrow(RangeError);
    expect(() => parseForm(Array.from({ length: 10_001 }, (_, i) => `k${i}=1`).join('&'))).toThrow(/Parameter limit exceeded/);
  });

  const leaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constantFrom("it's (ok)!*", 'caf\u00e9 \u2713', 'a&b=c', '\ud83d\ude00'));
  const json = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('node'), { maxLength: 3 }),
    object: fc.dictionary(fc.constantFrom('a', 'b', 'meta', 'x y', '0'), tie('node'), { maxKeys: 3 }),
  }));

  it('encodes any value as qs.stringify does, in both array styles', () => {
    fc.assert(fc.property(json.object, fc.constantFrom<ArrayStyle>('indices', 'brackets'), (object, style) => {
      expect(stringifyForm(object as never, style)).toBe(qs.stringify(object, { arrayFormat: style, encodeValuesOnly: true, strictNullHandling: false }));
    }), { numRuns: 3000 });
  });
});
