import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { PageRequest } from '../../../http/page.request.js';

export class ListProductsRequest extends PageRequest {
  @ApiPropertyOptional({ description: 'Matches sku or name', minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;
}
