import { InitialSchema1764800000000 } from './1764800000000-initial-schema.js';
import { ApiKeyRotation1796320286329 } from './1796320286329-api-key-rotation.js';
import { IdempotencyKeys1796320460422 } from './1796320460422-idempotency-keys.js';
import { ProductsCqrs1796320800000 } from './1796320800000-products-cqrs.js';
import { OutboxProjectedBy1796400000000 } from './1796400000000-outbox-projected-by.js';

/** In order. `npm run migration:generate -- <Name>` appends here. */
export const MIGRATIONS = [InitialSchema1764800000000, ApiKeyRotation1796320286329, IdempotencyKeys1796320460422, ProductsCqrs1796320800000, OutboxProjectedBy1796400000000];
