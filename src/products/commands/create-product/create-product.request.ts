import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min, Validate, type ValidatorConstraintInterface, ValidatorConstraint } from 'class-validator';
import { isIso4217 } from '../../domain/currency.js';

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
  @ApiProperty({ example: 'MUG-001', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'sku must be 1-64 letters, digits, dot, dash or underscore' })
  sku: string;

  @ApiProperty({ example: 'Coffee mug', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  description?: string | null;

  @ApiProperty({ example: 1299, minimum: 0, maximum: 2147483647 })
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  priceCents: number;

  @ApiProperty({ example: 'EUR', pattern: '^[A-Z]{3}$' })
  @IsString()
  @Validate(Iso4217)
  currency: string;
}
