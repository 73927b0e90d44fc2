import { PageRequest } from '../../../http/page.request.js';

/** `limit` (1..100, default 20) and `cursor`, as for every list. */
export class ListStockMovementsRequest extends PageRequest {}
