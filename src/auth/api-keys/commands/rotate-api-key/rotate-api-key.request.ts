import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_ROTATION_GRACE_SECONDS } from '../../../../config/app-config.js';
import { IsFutureInstant, IsInstant } from '../../../../http/instant.js';

export class RotateApiKeyRequest {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_ROTATION_GRACE_SECONDS,
    description: 'How long the old key keeps working; 0 ends it now. Default: API_KEY_ROTATION_GRACE_SECONDS (86400)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ROTATION_GRACE_SECONDS)
  gracePeriodSeconds?: number;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: "Expiry of the new key. Left out: the old key's; null: never expires" })
  @IsOptional()
  @IsInstant()
  @IsFutureInstant()
  expiresAt?: string | null;
}
