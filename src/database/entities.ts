import { ApiKeyEntity } from '../auth/api-keys/api-key.entity.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { IdempotencyKeyEntity } from '../idempotency/idempotency-key.entity.js';
import { ProductEntity } from '../products/product.entity.js';
import { ProductViewEntity } from '../products/read-models/product-view.entity.js';
import { StockMovementViewEntity } from '../products/read-models/stock-movement-view.entity.js';
import { StockMovementEntity } from '../products/stock-movement.entity.js';

/**
 * Every entity of the app, for the data source and for `migration:generate`. Tables come from migrations/ only.
 * The outbox's tables (outbox_events, projector_checkpoints, parked_events) have none: src/outbox reads them in SQL.
 */
export const ENTITIES = [
  ApiKeyEntity,
  AuditEventEntity,
  IdempotencyKeyEntity,
  ProductEntity,
  StockMovementEntity,
  ProductViewEntity,
  StockMovementViewEntity,
];
