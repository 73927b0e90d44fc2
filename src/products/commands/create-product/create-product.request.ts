import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min, Validate, type ValidatorConstraintInterface, ValidatorConstraint } from 'class-validator';
import { isIso4217 } from '../../domain/currency.js';
import { DESCRIPTION_MAX_LENGTH, MAX_INT, NAME_MAX_LENGTH, SKU_PATTERN } from '../../domain/product-rules.js';
import { NotBlank } from '../../../http/not-blank.js';

@ValidatorConstraint({ name: 'iso4217' })
export class Iso4217 implements ValidatorConstraintInterface {
  validate(value: unknown) {
    return typeof value === 'string' && isIso4217(value);
  }
  defaultMessage() {
    return 'currency must be an ISO 4217 code such as EUR or USD';
  }
}

export class CreateProductRequest {
  @ApiProperty({ example: 'MUG-001', pattern: SKU_PATTERN.source })
  @IsString()
  @Matches(SKU_PATTERN, { message: 'sku must be 1-64 letters, digits, dot, dash or underscore' })
  sku: string;

  @ApiProperty({ example: 'Coffee mug', minLength: 1, maxLength: NAME_MAX_LENGTH })
  @IsString()
  @Length(1, NAME_MAX_LENGTH)
  @NotBlank()
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: DESCRIPTION_MAX_LENGTH })
  @IsOptional()
  @IsString()
  @Length(0, DESCRIPTION_MAX_LENGTH)
  description?: string | null;

  @ApiProperty({ type: 'integer', example: 1299, minimum: 0, maximum: MAX_INT })
  @IsInt()
  @Min(0)
  @Max(MAX_INT)
  priceCents: number;

  @ApiProperty({ example: 'EUR', pattern: '^[A-Z]{3}$' })
  @IsString()
  @Validate(Iso4217)
  currency: string;
}
