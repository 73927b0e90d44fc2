/**
 * The lifecycle rules of an API key as plain functions of its state and the time: the authentication, the list
 * and the commands all ask here, so they cannot disagree about what "revoked" or "in its grace period" means.
 */
export interface ApiKeyLifecycle {
  revokedAt: Date | null;
  expiresAt: Date | null;
  replacedBy: string | null;
  graceUntil: Date | null;
}

/** `rotating`: replaced, but still accepted until its grace period ends; `superseded`: that period is over. */
export const API_KEY_STATUSES = ['active', 'rotating', 'superseded', 'expired', 'revoked'] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

export function statusOf(key: ApiKeyLifecycle, now: Date): ApiKeyStatus {
  const t = now.getTime();
  if (key.revokedAt && key.revokedAt.getTime() <= t) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= t) return 'expired';
  if (key.graceUntil && key.graceUntil.getTime() <= t) return 'superseded';
  return key.replacedBy ? 'rotating' : 'active';
}

export const isAccepted = (status: ApiKeyStatus) => status === 'active' || status === 'rotating';

/**
 * Why `key` may not be rotated, or null when it may. Only a key in use can be rotated: rotating a replaced key
 * again would fork its line of successors, and a revoked or expired key has nothing left to hand over.
 */
export function rotationRefusal(key: ApiKeyLifecycle, now: Date): string | null {
  switch (statusOf(key, now)) {
    case 'revoked':
      return 'The API key is revoked and cannot be rotated; create a new key instead.';
    case 'expired':
      return 'The API key has expired and cannot be rotated; create a new key instead.';
    case 'rotating':
    case 'superseded':
      return `The API key was already rotated; rotate its replacement ${key.replacedBy} instead (or, if that one is revoked or expired, create a new key).`;
    default:
      return null;
  }
}

/** The end of the old key's grace period: it keeps working until then, alongside its replacement. */
export function graceEnd(now: Date, graceSeconds: number): Date {
  return new Date(now.getTime() + graceSeconds * 1000);
}
