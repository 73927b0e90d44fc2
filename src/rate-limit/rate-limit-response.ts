import { ProblemException } from '../http/problem.js';
import { WINDOW_SECONDS, type BudgetState } from './budget.js';

/**
 * The RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers-11 (May 2026): structured-field
 * lists of one item, the policy name, with `q` (quota) and `w` (window), and `r` (remaining) and `t` (seconds left).
 */
export function rateLimitHeaders(state: BudgetState): Record<string, string> {
  return {
    'ratelimit-policy': `"${state.policy}";q=${state.limit};w=${WINDOW_SECONDS}`,
    ratelimit: `"${state.policy}";r=${state.remaining};t=${state.resetSeconds}`,
  };
}

const DETAIL: Record<string, string> = {
  'per-key': 'This API key has used its requests for this minute.',
  'per-user': 'This user has used their writes for this minute.',
  'per-ip': 'Too many requests without valid credentials from this address.',
};

/** 429 with the problem type the draft registers (§5.1); Retry-After is the end of the window, never earlier. */
export function tooManyRequests(state: BudgetState): ProblemException {
  return new ProblemException({
    status: 429,
    type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
    title: 'Too Many Requests',
    detail: `${DETAIL[state.policy] ?? 'Too many requests.'} Retry after ${state.resetSeconds} s.`,
    headers: { ...rateLimitHeaders(state), 'retry-after': String(state.resetSeconds) },
    extensions: { 'violated-policies': [state.policy] },
  });
}
