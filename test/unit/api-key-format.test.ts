import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  API_KEY_LENGTH,
  API_KEY_PATTERN,
  API_KEY_PREFIX,
  generateApiKey,
  hashApiKeySecret,
  maskApiKey,
  parseApiKey,
  verifyApiKeySecret,
} from '../../src/auth/api-keys/api-key-format.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Frozen fixture (checksum and HMAC cross-checked with Python's zlib/hmac): if this breaks,
// the persisted format changed and every issued key would stop working.
const FIXTURE = {
  plaintext: 'cqrsk_H7yERMn2kj6puq3M_XncRjtLNZA568G8qIquii3FGIIcEHQ8J10HhWe',
  keyId: 'H7yERMn2kj6puq3M',
  secret: 'XncRjtLNZA568G8qIquii3FGIIcEHQ8J',
  pepper: 'fixture-pepper',
  hash: '4c044e2f506407270d29dd73a6e55018bbdc379cab03409e0bfca5380fcdb1fb',
};

/** Replace position i with a different character (base62 where possible, so only the checksum can catch it). */
function mutateAt(s: string, i: number): string {
  const c = s[i]!;
  const idx = BASE62.indexOf(c);
  const replacement = idx === -1 ? 'x' : BASE62[(idx + 1) % BASE62.length]!;
  return s.slice(0, i) + replacement + s.slice(i + 1);
}

describe('api key format', () => {
  it('has the documented layout', () => {
    assert.equal(API_KEY_PREFIX, 'cqrsk_');
    assert.equal(API_KEY_LENGTH, 61);
    const { plaintext, keyId, secret } = generateApiKey();
    assert.equal(plaintext.length, API_KEY_LENGTH);
    assert.ok(plaintext.startsWith(`${API_KEY_PREFIX}${keyId}_${secret}`));
    assert.match(keyId, /^[0-9A-Za-z]{16}$/);
    assert.match(secret, /^[0-9A-Za-z]{32}$/);
  });

  it('round-trips generate → parse and matches API_KEY_PATTERN', () => {
    for (let i = 0; i < 50; i++) {
      const key = generateApiKey();
      assert.match(key.plaintext, API_KEY_PATTERN);
      assert.deepEqual(parseApiKey(key.plaintext), { keyId: key.keyId, secret: key.secret });
    }
  });

  it('parses the frozen fixture', () => {
    assert.match(FIXTURE.plaintext, API_KEY_PATTERN);
    assert.deepEqual(parseApiKey(FIXTURE.plaintext), { keyId: FIXTURE.keyId, secret: FIXTURE.secret });
    assert.equal(hashApiKeySecret(FIXTURE.secret, FIXTURE.pepper), FIXTURE.hash);
  });

  it('API_KEY_PATTERN is anchored', () => {
    const { plaintext } = generateApiKey();
    assert.doesNotMatch(`x${plaintext}`, API_KEY_PATTERN);
    assert.doesNotMatch(`${plaintext}x`, API_KEY_PATTERN);
    assert.doesNotMatch(`${plaintext}\n`, API_KEY_PATTERN);
  });

  it('rejects a single changed character anywhere (prefix, keyId, separator, secret, checksum)', () => {
    for (const plaintext of [FIXTURE.plaintext, ...Array.from({ length: 20 }, () => generateApiKey().plaintext)]) {
      for (let i = 0; i < plaintext.length; i++) {
        const mutated = mutateAt(plaintext, i);
        assert.notEqual(mutated, plaintext);
        assert.equal(parseApiKey(mutated), null, `mutation at index ${i} of ${plaintext} was accepted`);
      }
    }
  });

  it('rejects a wrong checksum and a case-swapped checksum character', () => {
    const { plaintext } = generateApiKey();
    const body = plaintext.slice(0, -6);
    const wrong = plaintext.endsWith('000000') ? '000001' : '000000';
    assert.equal(parseApiKey(body + wrong), null);
    // Base62 is case-sensitive; a scanner or user must not be able to "fix" case.
    const idx = plaintext.search(/[A-Za-z](?=[0-9A-Za-z]{0,5}$)/);
    if (idx !== -1) {
      const swapped = plaintext.slice(0, idx) + swapCase(plaintext[idx]!) + plaintext.slice(idx + 1);
      assert.equal(parseApiKey(swapped), null);
    }
  });

  it('rejects malformed input without throwing', () => {
    const { plaintext } = generateApiKey();
    const cases: unknown[] = [
      '',
      'cqrsk_',
      plaintext.slice(0, -1), // too short
      `${plaintext}0`, // too long
      ` ${plaintext}`,
      `${plaintext} `,
      plaintext.replace(/^cqrsk_/, 'cqrsx_'),
      plaintext.replace(/^cqrsk_/, 'CQRSK_'),
      plaintext.replace(/^cqrsk_/, 'ghp_xx'), // right length, wrong prefix
      plaintext.replace(/_/g, '-'),
      'cqrsk_' + 'a'.repeat(10 * 1024),
      'a'.repeat(10 * 1024),
      undefined,
      null,
      42,
      {},
      [plaintext],
      Buffer.from(plaintext),
      { toString: () => plaintext },
    ];
    for (const c of cases) {
      assert.doesNotThrow(() => parseApiKey(c));
      assert.equal(parseApiKey(c), null, `accepted ${String(c).slice(0, 80)}`);
    }
  });

  it('rejects non-ASCII look-alikes of the same length', () => {
    const { plaintext } = generateApiKey();
    // Cyrillic 'а' (U+0430) is one UTF-16 unit, so the length check alone would not catch it.
    const lookalike = plaintext.slice(0, 10) + '\u0430' + plaintext.slice(11);
    assert.equal(lookalike.length, plaintext.length);
    assert.equal(parseApiKey(lookalike), null);
  });

  it('generates 1000 unique keys with >= 128-bit secrets', () => {
    const plaintexts = new Set<string>();
    const keyIds = new Set<string>();
    const secrets = new Set<string>();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const key = generateApiKey();
      plaintexts.add(key.plaintext);
      keyIds.add(key.keyId);
      secrets.add(key.secret);
      assert.ok(key.secret.length * Math.log2(62) >= 128, `secret too short: ${key.secret.length}`);
      for (const ch of key.secret) seen.add(ch);
    }
    assert.equal(plaintexts.size, 1000);
    assert.equal(keyIds.size, 1000);
    assert.equal(secrets.size, 1000);
    // 32,000 draws: every base62 symbol must show up if the alphabet is wired correctly.
    assert.equal(seen.size, 62);
  });

  describe('hashing', () => {
    it('is deterministic per pepper, differs across peppers, and is hex SHA-256 sized', () => {
      const { secret } = generateApiKey();
      const a1 = hashApiKeySecret(secret, 'pepper-a');
      const a2 = hashApiKeySecret(secret, 'pepper-a');
      const b = hashApiKeySecret(secret, 'pepper-b');
      assert.equal(a1, a2);
      assert.notEqual(a1, b);
      assert.match(a1, /^[0-9a-f]{64}$/);
      assert.notEqual(hashApiKeySecret(generateApiKey().secret, 'pepper-a'), a1);
    });

    it('refuses an empty pepper', () => {
      assert.throws(() => hashApiKeySecret('secret', ''), TypeError);
    });

    it('verifies correct secrets and rejects wrong ones', () => {
      const { secret } = generateApiKey();
      const hash = hashApiKeySecret(secret, 'pepper-a');
      assert.equal(verifyApiKeySecret(secret, hash, 'pepper-a'), true);
      assert.equal(verifyApiKeySecret(secret, hash, 'pepper-b'), false);
      assert.equal(verifyApiKeySecret(generateApiKey().secret, hash, 'pepper-a'), false);
      assert.equal(verifyApiKeySecret(mutateAt(secret, 0), hash, 'pepper-a'), false);
      assert.equal(verifyApiKeySecret(secret, mutateAt(hash, 63), 'pepper-a'), false);
      assert.equal(verifyApiKeySecret(secret, hash.toUpperCase(), 'pepper-a'), false);
    });

    it('returns false (no throw) on hash length mismatch', () => {
      const { secret } = generateApiKey();
      const hash = hashApiKeySecret(secret, 'pepper-a');
      for (const bad of ['', hash.slice(0, -1), `${hash}0`, 'x'.repeat(10 * 1024)]) {
        assert.equal(verifyApiKeySecret(secret, bad, 'pepper-a'), false);
      }
    });
  });

  describe('maskApiKey', () => {
    it('masks a plaintext key and a key id the same way, without the secret', () => {
      for (let i = 0; i < 200; i++) {
        const key = generateApiKey();
        const masked = maskApiKey(key.plaintext);
        assert.equal(masked, `cqrsk_${key.keyId}_…`);
        assert.equal(maskApiKey(key.keyId), masked);
        assert.ok(!masked.includes(key.secret));
        assert.ok(!masked.includes(key.plaintext.slice(-6)));
      }
    });

    it('reveals nothing for malformed input', () => {
      const { plaintext, secret } = generateApiKey();
      for (const input of ['', 'garbage', secret, `cqrsk_${secret}`, plaintext.slice(API_KEY_PREFIX.length + 3)]) {
        const masked = maskApiKey(input);
        assert.equal(masked, 'cqrsk_…');
        assert.ok(!masked.includes(secret));
      }
      // A mistyped key (bad checksum) still masks to its key id only.
      const typo = mutateAt(plaintext, 40);
      assert.equal(maskApiKey(typo), `cqrsk_${plaintext.slice(6, 22)}_…`);
    });
  });
});

function swapCase(c: string): string {
  const lower = c.toLowerCase();
  return c === lower ? c.toUpperCase() : lower;
}
