import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditLog, diff } from '../../../../audit/audit-log.js';
import { ProblemException } from '../../../../http/problem.js';
import { ApiKeyEntity } from '../../api-key.entity.js';
import { ApiKeyChanges } from '../../api-key-changes.js';
import { RevokeApiKeyCommand } from './revoke-api-key.command.js';

@CommandHandler(RevokeApiKeyCommand)
export class RevokeApiKeyHandler implements ICommandHandler<RevokeApiKeyCommand> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keyChanges: ApiKeyChanges,
    private readonly audit: AuditLog,
  ) {}

  async execute({ id, context }: RevokeApiKeyCommand): Promise<ApiKeyEntity> {
    const now = new Date();
    const key = await this.dataSource.transaction(async (tx) => {
      const key = await tx.findOne(ApiKeyEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw ProblemException.notFound(`No API key ${id}.`);
      // Already revoked: the first revocation keeps its time; the repeat is still a successful write, so it is
      // audited too, with nothing changed (as a PATCH that changes nothing is).
      // A key revoked during its grace period: the grace ends now too, so the record says what the check does.
      const graceUntil = key.graceUntil && key.graceUntil > now ? now : key.graceUntil;
      const revoked = key.revokedAt ? key : { ...key, revokedAt: now, graceUntil };
      if (!key.revokedAt) await tx.update(ApiKeyEntity, { id }, { revokedAt: now, graceUntil });
      await this.audit.append(
        tx,
        context,
        { action: 'api-keys.revoke', resourceType: 'api-key', resourceId: id, changes: diff(key, revoked, ['revokedAt', 'graceUntil']) },
        now,
      );
      return revoked;
    });
    // After the commit: this instance refuses the key from the next request on, and the others as soon as they hear.
    await this.keyChanges.changed(key.keyId);
    return key;
  }
}
