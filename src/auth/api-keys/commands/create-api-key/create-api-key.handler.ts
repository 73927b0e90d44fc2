import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditLog, diff } from '../../../../audit/audit-log.js';
import { AUDITED_API_KEY_FIELDS, ApiKeyEntity } from '../../api-key.entity.js';
import { ApiKeysService } from '../../api-keys.service.js';
import { CreateApiKeyCommand, type CreatedApiKey } from './create-api-key.command.js';

@CommandHandler(CreateApiKeyCommand)
export class CreateApiKeyHandler implements ICommandHandler<CreateApiKeyCommand> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditLog,
  ) {}

  async execute({ input, context }: CreateApiKeyCommand): Promise<CreatedApiKey> {
    const now = new Date();
    const { row, plaintext } = this.apiKeys.issue(input, context.user.sub, now);
    await this.dataSource.transaction(async (tx) => {
      await tx.insert(ApiKeyEntity, row);
      await this.audit.append(
        tx,
        context,
        { action: 'api-keys.create', resourceType: 'api-key', resourceId: row.id, changes: diff(null, row, AUDITED_API_KEY_FIELDS) },
        now,
      );
    });
    return { key: row, plaintext };
  }
}
