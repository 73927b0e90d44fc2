import { Module } from '@nestjs/common';
import { RateLimits } from './rate-limits.js';

/** Request budgets; the AccessGuard charges them, because who is charged depends on who authenticated. */
@Module({ providers: [RateLimits], exports: [RateLimits] })
export class RateLimitModule {}
