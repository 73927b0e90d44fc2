import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../../audit/audit.module.js';
import { ApiKeyChanges } from './api-key-changes.js';
import { ApiKeyUsage } from './api-key-usage.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeyStrategy } from './api-key.strategy.js';
import { ApiKeysCommandsController } from './api-keys.commands.controller.js';
import { ApiKeysQueriesController } from './api-keys.queries.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { CreateApiKeyHandler } from './commands/create-api-key/create-api-key.handler.js';
import { RevokeApiKeyHandler } from './commands/revoke-api-key/revoke-api-key.handler.js';
import { RotateApiKeyHandler } from './commands/rotate-api-key/rotate-api-key.handler.js';
import { GetApiKeyHandler } from './queries/get-api-key/get-api-key.handler.js';
import { ListApiKeysHandler } from './queries/list-api-keys/list-api-keys.handler.js';

/**
 * API keys: the format and the passport strategy that authenticates reads, and the keys' own lifecycle. Its commands
 * write the key and its audit events in one transaction (AuditLog) but no outbox events: keys have no read model and
 * nothing subscribes to them, and the authentication path reads the table itself. A feature with read models or
 * event subscribers uses UnitOfWork instead, as products do.
 */
@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([ApiKeyEntity]), AuditModule],
  controllers: [ApiKeysCommandsController, ApiKeysQueriesController],
  providers: [
    ApiKeysService,
    ApiKeyChanges,
    ApiKeyUsage,
    ApiKeyStrategy,
    CreateApiKeyHandler,
    RotateApiKeyHandler,
    RevokeApiKeyHandler,
    ListApiKeysHandler,
    GetApiKeyHandler,
  ],
  exports: [ApiKeysService, ApiKeyStrategy],
})
export class ApiKeysModule {}
