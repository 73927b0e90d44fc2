import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { IsFutureInstant, IsInstant } from '../../../../http/instant.js';
import { NotBlank } from '../../../../http/not-blank.js';

export const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;

export class CreateApiKeyRequest {
  @ApiProperty({ example: 'storefront', minLength: 1, maxLength: 100, description: 'What the key is for; shown in lists' })
  @IsString()
  @Length(1, 100)
  @NotBlank()
  name: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'After this instant the key is refused (401). Left out or null: never expires' })
  @IsOptional()
  @IsInstant()
  @IsFutureInstant()
  expiresAt?: string | null;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_RATE_LIMIT_PER_MINUTE, description: "Reads per minute; unset: the server's default" })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT_PER_MINUTE)
  rateLimitPerMinute?: number;
}
