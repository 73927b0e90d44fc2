import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CachingModule } from './caching/caching.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { logOptions } from './http/log-options.js';
import { HttpCachingInterceptor } from './http/http-caching.interceptor.js';
import { ProblemDetailsFilter } from './http/problem-details.filter.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { ProductsModule } from './products/products.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        // Fastify's pino logs requests; Nest's loggers write JSON with the same options. The request context is bound
        // by a Fastify hook in app.factory.ts rather than by a middleware (which loses it on Fastify, and costs more).
        LoggerModule.forRoot({ pinoHttp: logOptions(config), useExisting: true, forRoutes: [] }),
        DatabaseModule.forRoot(databaseUrl),
        CqrsModule.forRoot(),
        CachingModule,
        AuthModule,
        AuditModule,
        IdempotencyModule,
        ProductsModule,
        HealthModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_INTERCEPTOR, useClass: HttpCachingInterceptor },
      ],
    };
  }
}
