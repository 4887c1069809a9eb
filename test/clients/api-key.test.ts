import { describe, expect, it } from 'vitest';
import { createApiKeyReader, keyId } from '../../gateway/clients/api-key.js';

const SALT = 'verso-test-salt-0123';
const KEY = 'sk_live_4f9a2b';
/** `printf 'sk_live_4f9a2b' | openssl dgst -sha256 -hmac 'verso-test-salt-0123'`, first 16 hex digits. */
const KEY_ID = 'key_386cf8f088859f06';

describe('keyId', () => {
  it('is key_ plus the first 16 hex digits of HMAC-SHA256(salt, key)', () => {
    expect(keyId(SALT, KEY)).toBe(KEY_ID);
  });

  it('gives a different id for the same key under another salt', () => {
    expect(keyId('another-salt-of-16-chars', KEY)).not.toBe(KEY_ID);
    expect(keyId('another-salt-of-16-chars', KEY)).toMatch(/^key_[0-9a-f]{16}$/);
  });
});

describe('API key reader', () => {
  it('identifies a key by its key id, with the label configured for that id', () => {
    const read = createApiKeyReader(SALT, new Map([[KEY_ID, 'Acme mobile app']]));
    expect(read(KEY)).toEqual({ id: KEY_ID, by: 'api-key', label: 'Acme mobile app' });
  });

  it('leaves the label out when the key id has none', () => {
    const read = createApiKeyReader(SALT, new Map([['key_0000000000000000', 'someone else']]));
    expect(read(KEY)).toStrictEqual({ id: KEY_ID, by: 'api-key' });
  });

  it('never puts the key itself in the identity', () => {
    const read = createApiKeyReader(SALT, new Map([[KEY_ID, 'Acme']]));
    expect(JSON.stringify(read(KEY))).not.toContain(KEY);
  });

  it('returns the same frozen identity to a repeat caller instead of hashing again', () => {
    const read = createApiKeyReader(SALT, new Map());
    const first = read(KEY);
    expect(read(KEY)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('forgets the least recently used key once 10,000 keys are cached, and still identifies it after', () => {
    const read = createApiKeyReader(SALT, new Map());
    const first = read(KEY);
    const oldest = read('sk_other_0');
    for (let i = 1; i < 9_998; i++) read(`sk_other_${i}`);
    expect(read(KEY)).toBe(first); // 9,999 keys cached; KEY is now the most recently used
    read('sk_one_more');
    read('sk_two_more'); // 10,001 keys asked for: sk_other_0, the least recently used, goes
    expect(read(KEY)).toBe(first);
    const again = read('sk_other_0');
    expect(again).not.toBe(oldest);
    expect(again).toEqual(oldest);
  });

  it('does not cache absurdly long keys, but still identifies them', () => {
    const read = createApiKeyReader(SALT, new Map());
    const long = 'k'.repeat(513);
    const first = read(long);
    expect(read(long)).not.toBe(first);
    expect(read(long)).toEqual({ id: keyId(SALT, long), by: 'api-key' });
  });
});
