import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { PageRequest } from '../../../http/page.request.js';

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

  @ApiPropertyOptional()
  @IsOptional() @IsString() @Length(1, 255)
  resourceId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Inclusive' })
  @IsOptional() @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive' })
  @IsOptional() @IsISO8601({ strict: true })
  until?: string;
}
