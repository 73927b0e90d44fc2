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
import { HttpCachingInterceptor } from './http/http-caching.interceptor.js';
import { ProblemDetailsFilter } from './http/problem-details.filter.js';
import { ProductsModule } from './products/products.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        // Fastify's own pino logs requests; Nest's loggers write through the same instance and request context.
        LoggerModule.forRoot({ useExisting: true }),
        DatabaseModule.forRoot(databaseUrl),
        CqrsModule.forRoot(),
        CachingModule,
        AuthModule,
        AuditModule,
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
