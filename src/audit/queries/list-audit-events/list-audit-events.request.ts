import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class ListAuditEventsRequest {
  @ApiPropertyOptional({ description: 'The `sub` of the acting user' })
  @IsOptional() @IsString() @Length(1, 255)
  actor?: string;

  @ApiPropertyOptional({ example: 'products.create' })
  @IsOptional() @IsString() @Length(1, 100)
  action?: string;

  @ApiPropertyOptional({ example: 'product' })
  @IsOptional() @IsString() @Length(1, 100)
  resourceType?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @Length(1, 255)
  resourceId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Inclusive' })
  @IsOptional() @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive' })
  @IsOptional() @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit: number = 20;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @Length(1, 200)
  cursor?: string;
}
