import { InitialSchema1764800000000 } from './1764800000000-initial-schema.js';
import { IdempotencyKeys1796320460422 } from './1796320460422-idempotency-keys.js';

/** In order. `npm run migration:generate -- <Name>` appends here. */
export const MIGRATIONS = [InitialSchema1764800000000, IdempotencyKeys1796320460422];
