import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from './access.guard.js';
import { ApiKeyEntity } from './api-keys/api-key.entity.js';
import { ApiKeyStrategy } from './api-keys/api-key.strategy.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { JwtStrategy } from './tokens/jwt.strategy.js';
import { TokenKeys } from './tokens/token-keys.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';

@Module({
  imports: [PassportModule, RateLimitModule, TypeOrmModule.forFeature([ApiKeyEntity])],
  providers: [ApiKeysService, ApiKeyStrategy, TokenKeys, JwtStrategy, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [ApiKeysService],
})
export class AuthModule {}
