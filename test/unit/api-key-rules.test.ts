import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { graceEnd, isAccepted, rotationRefusal, statusOf, type ApiKeyLifecycle } from '../../src/auth/api-keys/domain/api-key-rules.js';

const now = new Date('2030-01-01T12:00:00.000Z');
const at = (deltaMs: number) => new Date(now.getTime() + deltaMs);
const key = (k: Partial<ApiKeyLifecycle> = {}): ApiKeyLifecycle => ({ revokedAt: null, expiresAt: null, replacedBy: null, graceUntil: null, ...k });
const NEXT = '00000000-0000-4000-8000-000000000001';

describe('api key lifecycle rules', () => {
  it('status at a given time', () => {
    assert.equal(statusOf(key(), now), 'active');
    assert.equal(statusOf(key({ expiresAt: at(1) }), now), 'active');
    assert.equal(statusOf(key({ expiresAt: now }), now), 'expired', 'the expiry instant itself is too late');
    assert.equal(statusOf(key({ revokedAt: at(-1) }), now), 'revoked');
    assert.equal(statusOf(key({ replacedBy: NEXT, graceUntil: at(1) }), now), 'rotating');
    assert.equal(statusOf(key({ replacedBy: NEXT, graceUntil: now }), now), 'superseded');
    assert.equal(statusOf(key({ replacedBy: NEXT, graceUntil: at(1), expiresAt: at(-1) }), now), 'expired', 'expiry beats grace');
    assert.equal(statusOf(key({ revokedAt: at(-1), expiresAt: at(-1) }), now), 'revoked', 'revocation beats everything');
  });

  it('only active and rotating keys are accepted', () => {
    assert.deepEqual(
      (['active', 'rotating', 'superseded', 'expired', 'revoked'] as const).filter(isAccepted),
      ['active', 'rotating'],
    );
  });

  it('only a key in use can be rotated, and only once', () => {
    assert.equal(rotationRefusal(key(), now), null);
    assert.match(rotationRefusal(key({ revokedAt: at(-1) }), now)!, /revoked/);
    assert.match(rotationRefusal(key({ expiresAt: at(-1) }), now)!, /expired/);
    assert.match(rotationRefusal(key({ replacedBy: NEXT, graceUntil: at(1000) }), now)!, new RegExp(`already rotated.*${NEXT}`));
    assert.match(rotationRefusal(key({ replacedBy: NEXT, graceUntil: at(-1000) }), now)!, /already rotated/);
  });

  it('the grace period ends that many seconds from now', () => {
    assert.deepEqual(graceEnd(now, 0), now);
    assert.deepEqual(graceEnd(now, 86_400), at(86_400_000));
  });
});
