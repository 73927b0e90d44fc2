import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditLog, diff } from '../../../../audit/audit-log.js';
import { APP_CONFIG } from '../../../../config/config.module.js';
import type { AppConfig } from '../../../../config/app-config.js';
import { ProblemException } from '../../../../http/problem.js';
import { AUDITED_API_KEY_FIELDS, ApiKeyEntity } from '../../api-key.entity.js';
import { ApiKeyChanges } from '../../api-key-changes.js';
import { ApiKeysService } from '../../api-keys.service.js';
import { graceEnd, rotationRefusal } from '../../domain/api-key-rules.js';
import { RotateApiKeyCommand, type RotatedApiKey } from './rotate-api-key.command.js';

/**
 * A new key (a new row, id and secret) with the old one's name and limits; the old row stays, linked to its
 * replacement, and is accepted until its grace period ends, so clients can switch without downtime.
 */
@CommandHandler(RotateApiKeyCommand)
export class RotateApiKeyHandler implements ICommandHandler<RotateApiKeyCommand> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
    private readonly keyChanges: ApiKeyChanges,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ id, input, context }: RotateApiKeyCommand): Promise<RotatedApiKey> {
    const now = new Date();
    const result = await this.dataSource.transaction(async (tx) => {
      // Locked, so two rotations of one key cannot both succeed and fork it.
      const old = await tx.findOne(ApiKeyEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!old) throw ProblemException.notFound(`No API key ${id}.`);
      const refusal = rotationRefusal(old, now);
      if (refusal) throw ProblemException.conflict(refusal);

      const expiresAt = input.expiresAt === undefined ? old.expiresAt : input.expiresAt;
      const { row, plaintext } = this.apiKeys.issue(
        { name: old.name, expiresAt, rateLimitPerMinute: old.rateLimitPerMinute },
        context.user.sub,
        now,
      );
      const replaced: ApiKeyEntity = {
        ...old,
        replacedBy: row.id,
        graceUntil: graceEnd(now, input.gracePeriodSeconds ?? this.config.apiKeys.rotationGraceSeconds),
      };
      await tx.insert(ApiKeyEntity, row);
      await tx.update(ApiKeyEntity, { id }, { replacedBy: replaced.replacedBy, graceUntil: replaced.graceUntil });
      await this.audit.append(
        tx,
        context,
        { action: 'api-keys.rotate', resourceType: 'api-key', resourceId: id, changes: diff(old, replaced, ['replacedBy', 'graceUntil']) },
        now,
      );
      // The new key gets its own creation event, so its history starts with where it came from.
      await this.audit.append(
        tx,
        context,
        {
          action: 'api-keys.create',
          resourceType: 'api-key',
          resourceId: row.id,
          changes: { ...diff(null, row, AUDITED_API_KEY_FIELDS), replaces: { before: null, after: id } },
        },
        now,
      );
      return { key: row, plaintext, replaced };
    });
    await this.keyChanges.changed(result.replaced.keyId);
    return result;
  }
}
