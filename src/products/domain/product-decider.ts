import {
  type Actor,
  canManage,
  EDITABLE_PRODUCT_FIELDS,
  type NewProduct,
  nextTimestamp,
  type Product,
  type ProductPatch,
} from './product.js';
import type { ProductEvent, StockAdjusted } from './product-events.js';
import { invalidProductFields, isValidDelta, isValidReason, MAX_INT } from './product-rules.js';

/**
 * The rules of the product, as a decider: `decide*` take a command and the current state (null: no such product) and
 * return the events that follow or the rule that refuses them; `evolve` takes a state and an event to the next state.
 * No I/O: the command handlers load, call these, and save.
 */
export type Decision = { ok: true; events: ProductEvent[] } | { ok: false; error: DomainError };

export interface DomainError {
  kind: 'invalid' | 'not-found' | 'forbidden' | 'precondition-failed' | 'conflict';
  detail: string;
  /** For 'invalid': the offending fields. */
  fields?: string[];
}

/**
 * The request's preconditions (RFC 9110 §13.1), resolved to versions of this product; each is undefined when the
 * client did not send it.
 */
export interface Preconditions {
  /** If-Match: 'any' (`*`), or the versions the client holds (possibly none that exist). */
  match?: 'any' | readonly number[];
  /** If-None-Match: 'any' (`*`: "only if it does not exist"), or versions the client does not want to change. */
  noneMatch?: 'any' | readonly number[];
}

const accept = (...events: ProductEvent[]): Decision => ({ ok: true, events });
const refuse = (kind: DomainError['kind'], detail: string, fields?: string[]): Decision => ({ ok: false, error: { kind, detail, fields } });

/** The checks every change of an existing product makes, in the order a client learns of them. */
function checkExisting(state: Product | null, id: string, actor: Actor | null, pre: Preconditions): Decision | null {
  if (!state) return refuse('not-found', `No product ${id}.`);
  if (actor && !canManage(state, actor)) return refuse('forbidden', 'Only the owner of this product or an admin (products:admin) may change it.');
  if (Array.isArray(pre.match) && !pre.match.includes(state.version)) {
    return refuse(
      'precondition-failed',
      `If-Match names no current version of the product: it is at version ${state.version} (weak tags, W/"…", never match). Read it again and retry.`,
    );
  }
  if (pre.noneMatch === 'any' || (Array.isArray(pre.noneMatch) && pre.noneMatch.includes(state.version))) {
    return refuse('precondition-failed', `If-None-Match matches the product as it is (version ${state.version}): nothing was changed.`);
  }
  return null;
}

export function decideCreate(state: Product | null, cmd: { id: string; input: NewProduct; actor: Actor; now: Date }): Decision {
  const invalid = invalidProductFields(cmd.input);
  if (invalid.length) return refuse('invalid', `Invalid ${invalid.join(', ')}.`, invalid);
  if (state) return refuse('conflict', `Product ${cmd.id} exists.`);
  const { input, now } = cmd;
  const product: Product = {
    id: cmd.id,
    sku: input.sku,
    name: input.name,
    description: input.description ?? null,
    priceCents: input.priceCents,
    currency: input.currency,
    stockOnHand: 0,
    version: 1,
    ownerId: cmd.actor.sub,
    createdAt: now,
    updatedAt: now,
  };
  return accept({ type: 'ProductCreated', product });
}

/** A patch that changes nothing is accepted with no events: the product keeps its version. */
export function decideUpdate(
  state: Product | null,
  cmd: { id: string; patch: ProductPatch; actor: Actor; preconditions: Preconditions; now: Date },
): Decision {
  const given = EDITABLE_PRODUCT_FIELDS.filter((f) => cmd.patch[f] !== undefined);
  if (given.length === 0) return refuse('invalid', `Send at least one of ${EDITABLE_PRODUCT_FIELDS.join(', ')}.`, ['body']);
  const invalid = invalidProductFields(cmd.patch);
  if (invalid.length) return refuse('invalid', `Invalid ${invalid.join(', ')}.`, invalid);
  const refused = checkExisting(state, cmd.id, cmd.actor, cmd.preconditions);
  if (refused) return refused;
  const current = state!;
  const changed: ProductPatch = {};
  for (const f of given) if (cmd.patch[f] !== current[f]) Object.assign(changed, { [f]: cmd.patch[f] });
  if (Object.keys(changed).length === 0) return accept();
  const product: Product = { ...current, ...changed, version: current.version + 1, updatedAt: nextTimestamp(current.updatedAt, cmd.now) };
  return accept({ type: 'ProductUpdated', product, changed });
}

export function decideDelete(state: Product | null, cmd: { id: string; actor: Actor; preconditions: Preconditions; now: Date }): Decision {
  const refused = checkExisting(state, cmd.id, cmd.actor, cmd.preconditions);
  if (refused) return refused;
  const current = state!;
  return accept({ type: 'ProductDeleted', product: { ...current, version: current.version + 1, updatedAt: nextTimestamp(current.updatedAt, cmd.now) } });
}

/**
 * Stock is the warehouse's business: the `inventory:write` scope is the whole permission, whoever owns the product.
 * Concurrent adjustments are serialised by the handler's row lock, so none is lost; stock never goes below zero.
 */
export function decideAdjustStock(
  state: Product | null,
  cmd: { id: string; delta: number; reason: string; movementId: string; preconditions?: Preconditions; now: Date },
): Decision {
  const invalid = [...(isValidDelta(cmd.delta) ? [] : ['delta']), ...(isValidReason(cmd.reason) ? [] : ['reason'])];
  if (invalid.length) return refuse('invalid', `Invalid ${invalid.join(', ')}.`, invalid);
  const refused = checkExisting(state, cmd.id, null, cmd.preconditions ?? {});
  if (refused) return refused;
  const current = state!;
  const stockAfter = current.stockOnHand + cmd.delta;
  if (stockAfter < 0) {
    return refuse('conflict', `Only ${current.stockOnHand} in stock: an adjustment of ${cmd.delta} would take it below zero.`);
  }
  if (stockAfter > MAX_INT) return refuse('conflict', `An adjustment of ${cmd.delta} would take the stock above ${MAX_INT}.`);
  const at = nextTimestamp(current.updatedAt, cmd.now);
  const product: Product = { ...current, stockOnHand: stockAfter, version: current.version + 1, updatedAt: at };
  const event: StockAdjusted = {
    type: 'StockAdjusted',
    product,
    movement: { id: cmd.movementId, productId: current.id, delta: cmd.delta, reason: cmd.reason, stockAfter, occurredAt: at },
  };
  return accept(event);
}

/** Every event carries the state after it; a deleted product is no state at all. */
export function evolve(_state: Product | null, event: ProductEvent): Product | null {
  return event.type === 'ProductDeleted' ? null : event.product;
}
