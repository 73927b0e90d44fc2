import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { JwtStrategy } from './tokens/jwt.strategy.js';
import { TokenKeys } from './tokens/token-keys.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';

@Module({
  imports: [RateLimitModule, ApiKeysModule],
  providers: [TokenKeys, JwtStrategy, AccessGuard, { provide: APP_GUARD, useExisting: AccessGuard }],
  exports: [ApiKeysModule, AccessGuard],
})
export class AuthModule {}
