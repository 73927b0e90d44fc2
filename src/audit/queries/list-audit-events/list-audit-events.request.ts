import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsInstant } from '../../../http/instant.js';
import { PageRequest } from '../../../http/page.request.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ListAuditEventsRequest extends PageRequest {
  @ApiPropertyOptional({ description: 'The `sub` of the acting user' })
  @IsOptional() @IsString() @Length(1, 255)
  actor?: string;

  @ApiPropertyOptional({ example: 'products.create' })
  @IsOptional() @IsString() @Length(1, 100)
  action?: string;

  @ApiPropertyOptional({ example: 'product' })
  @IsOptional() @IsString() @Length(1, 100)
  resourceType?: string;

  @ApiPropertyOptional({ description: 'A UUID matches in any case: resource ids are recorded in lower case' })
  @IsOptional() @IsString() @Length(1, 255)
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : value))
  resourceId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Inclusive' })
  @IsOptional() @IsInstant()
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive' })
  @IsOptional() @IsInstant()
  until?: string;
}
