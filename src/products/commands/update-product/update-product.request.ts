import { PartialType } from '@nestjs/swagger';
import { CreateProductRequest } from '../create-product/create-product.request.js';

/**
 * Any of the fields a client may set, at least one. Anything else (id, ownerId, version, stockOnHand, timestamps) is
 * refused by the validation pipe with a 400 naming it. A null sku, name, price or currency is refused by the rules.
 */
export class UpdateProductRequest extends PartialType(CreateProductRequest) {}
