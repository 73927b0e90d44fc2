import { ApiKeyEntity } from '../auth/api-keys/api-key.entity.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { IdempotencyKeyEntity } from '../idempotency/idempotency-key.entity.js';
import { ProductEntity } from '../products/product.entity.js';

/** Every entity of the app, for the data source and for `migration:generate`. Tables come from migrations/ only. */
export const ENTITIES = [ApiKeyEntity, AuditEventEntity, IdempotencyKeyEntity, ProductEntity];
