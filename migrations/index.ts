import { InitialSchema1764800000000 } from './1764800000000-initial-schema.js';
import { ProductsCqrs1796320800000 } from './1796320800000-products-cqrs.js';

/** In order. `npm run migration:generate -- <Name>` appends here. */
export const MIGRATIONS = [InitialSchema1764800000000, ProductsCqrs1796320800000];
