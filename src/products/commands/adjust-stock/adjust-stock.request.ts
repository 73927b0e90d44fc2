import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min, NotEquals } from 'class-validator';
import { MAX_INT, REASON_MAX_LENGTH } from '../../domain/product-rules.js';
import { NotBlank } from '../../../http/not-blank.js';

export class AdjustStockRequest {
  @ApiProperty({ type: 'integer', example: -3, description: 'Units added (positive) or taken (negative); never 0', minimum: -MAX_INT, maximum: MAX_INT })
  @IsInt()
  @NotEquals(0, { message: 'delta must not be 0' })
  @Min(-MAX_INT)
  @Max(MAX_INT)
  delta: number;

  @ApiProperty({ example: 'Sold at the counter', minLength: 1, maxLength: REASON_MAX_LENGTH })
  @IsString()
  @Length(1, REASON_MAX_LENGTH)
  @NotBlank()
  reason: string;
}
