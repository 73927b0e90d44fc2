import { PickType } from '@nestjs/swagger';
import { ListProductsRequest } from '../list-products/list-products.request.js';

/** `limit` (1..100, default 20) and `cursor`, as for every list. */
export class ListStockMovementsRequest extends PickType(ListProductsRequest, ['limit', 'cursor'] as const) {}
