import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Actor, Product } from '../../src/products/domain/product.js';
import { canManage, nextTimestamp } from '../../src/products/domain/product.js';
import {
  decideAdjustStock,
  decideCreate,
  decideDelete,
  decideUpdate,
  evolve,
  type Decision,
} from '../../src/products/domain/product-decider.js';
import type { ProductEvent } from '../../src/products/domain/product-events.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:00:01.000Z');
const ID = '11111111-1111-4111-8111-111111111111';
const alice: Actor = { sub: 'alice', scopes: new Set(['products:write']) };
const bob: Actor = { sub: 'bob', scopes: new Set(['products:write']) };
const admin: Actor = { sub: 'root', scopes: new Set(['products:write', 'products:admin']) };

const product = (over: Partial<Product> = {}): Product => ({
  id: ID,
  sku: 'MUG-1',
  name: 'Mug',
  description: null,
  priceCents: 1299,
  currency: 'EUR',
  stockOnHand: 5,
  version: 3,
  ownerId: 'alice',
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

function events(d: Decision): ProductEvent[] {
  assert.ok(d.ok, `expected events, got ${JSON.stringify(d)}`);
  return d.events;
}
function refusal(d: Decision) {
  assert.ok(!d.ok, `expected a refusal, got ${JSON.stringify(d)}`);
  return d.error;
}

describe('product decider: create', () => {
  it('creates version 1 with no stock, owned by the actor', () => {
    const [e] = events(decideCreate(null, { id: ID, input: { sku: 'A-1', name: 'A', priceCents: 0, currency: 'USD' }, actor: alice, now: T0 }));
    assert.equal(e.type, 'ProductCreated');
    assert.deepEqual(e.product, {
      id: ID, sku: 'A-1', name: 'A', description: null, priceCents: 0, currency: 'USD',
      stockOnHand: 0, version: 1, ownerId: 'alice', createdAt: T0, updatedAt: T0,
    });
    assert.deepEqual(evolve(null, e), e.product);
  });

  it('refuses an invalid price or currency, naming the fields', () => {
    const input = { sku: 'A-1', name: 'A', priceCents: -1, currency: 'XYZ' };
    const error = refusal(decideCreate(null, { id: ID, input, actor: alice, now: T0 }));
    assert.equal(error.kind, 'invalid');
    assert.deepEqual(error.fields, ['priceCents', 'currency']);
    for (const priceCents of [1.5, 2 ** 31, Number.NaN]) {
      assert.equal(refusal(decideCreate(null, { id: ID, input: { ...input, currency: 'EUR', priceCents }, actor: alice, now: T0 })).kind, 'invalid');
    }
  });
});

describe('product decider: update', () => {
  const update = (state: Product | null, patch: object, actor = alice, expected?: 'any' | number[]) =>
    decideUpdate(state, { id: ID, patch, actor, preconditions: { match: expected }, now: T1 });

  it('changes the given fields, bumps the version, and says what changed', () => {
    const [e] = events(update(product(), { name: 'Cup', priceCents: 1299, description: 'Blue' }));
    assert.equal(e.type, 'ProductUpdated');
    assert.deepEqual(e.type === 'ProductUpdated' && e.changed, { name: 'Cup', description: 'Blue' });
    assert.equal(e.product.version, 4);
    assert.equal(e.product.name, 'Cup');
    assert.equal(e.product.priceCents, 1299);
    assert.deepEqual(e.product.updatedAt, T1);
    assert.deepEqual(e.product.createdAt, T0);
  });

  it('an empty patch is invalid; a patch that changes nothing has no events', () => {
    assert.equal(refusal(update(product(), {})).kind, 'invalid');
    assert.equal(refusal(update(product(), { name: undefined })).kind, 'invalid');
    assert.deepEqual(events(update(product(), { name: 'Mug' })), []);
  });

  it('refuses null or invalid values, but lets description be cleared', () => {
    assert.deepEqual(refusal(update(product(), { name: null, currency: 'eur' })).fields, ['name', 'currency']);
    assert.deepEqual(refusal(update(product(), { sku: 'has space' })).fields, ['sku']);
    const [e] = events(update(product({ description: 'x' }), { description: null }));
    assert.equal(e.product.description, null);
  });

  it('only the owner or an admin (OWASP API1)', () => {
    assert.equal(refusal(update(product(), { name: 'X' }, bob)).kind, 'forbidden');
    assert.equal(events(update(product(), { name: 'X' }, admin)).length, 1);
    assert.equal(canManage({ ownerId: 'bob' }, bob), true);
    assert.equal(canManage({ ownerId: 'alice' }, { sub: 'bob', scopes: new Set(['products:admin']) }), true);
  });

  it('If-Match: a stale version is refused, the current one or * accepted', () => {
    assert.equal(refusal(update(product(), { name: 'X' }, alice, [2])).kind, 'precondition-failed');
    assert.equal(refusal(update(product(), { name: 'X' }, alice, [])).kind, 'precondition-failed');
    assert.equal(events(update(product(), { name: 'X' }, alice, [2, 3])).length, 1);
    assert.equal(events(update(product(), { name: 'X' }, alice, 'any')).length, 1);
  });

  it('checks in order: body, existence, ownership, precondition', () => {
    assert.equal(refusal(update(null, {})).kind, 'invalid');
    assert.equal(refusal(update(null, { name: 'X' }, bob, [1])).kind, 'not-found');
    assert.equal(refusal(update(product(), { name: 'X' }, bob, [1])).kind, 'forbidden');
  });
});

describe('product decider: delete', () => {
  it('deletes with a new version; evolve leaves nothing', () => {
    const [e] = events(decideDelete(product(), { id: ID, actor: alice, preconditions: {}, now: T1 }));
    assert.equal(e.type, 'ProductDeleted');
    assert.equal(e.product.version, 4);
    assert.equal(evolve(product(), e), null);
  });

  it('is refused for strangers, stale versions and missing products', () => {
    assert.equal(refusal(decideDelete(product(), { id: ID, actor: bob, preconditions: {}, now: T1 })).kind, 'forbidden');
    assert.equal(refusal(decideDelete(product(), { id: ID, actor: admin, preconditions: { match: [1] }, now: T1 })).kind, 'precondition-failed');
    assert.equal(refusal(decideDelete(null, { id: ID, actor: admin, preconditions: { match: 'any' }, now: T1 })).kind, 'not-found');
  });

  it('If-None-Match: * or the current version is a 412 after the 404 and 403 checks; another version passes', () => {
    const del = (actor: typeof alice, noneMatch: 'any' | number[]) => decideDelete(product(), { id: ID, actor, preconditions: { noneMatch }, now: T1 });
    assert.equal(refusal(del(alice, 'any')).kind, 'precondition-failed');
    assert.equal(refusal(del(alice, [3])).kind, 'precondition-failed');
    assert.equal(refusal(del(bob, 'any')).kind, 'forbidden');
    assert.equal(events(del(alice, [1, 2])).length, 1);
  });
});

describe('product decider: adjust stock', () => {
  const adjust = (state: Product | null, delta: number, reason = 'count', now = T1) =>
    decideAdjustStock(state, { id: ID, delta, reason, movementId: 'm-1', now });

  it('records a movement and the new stock on hand', () => {
    const [e] = events(adjust(product(), -5));
    assert.equal(e.type, 'StockAdjusted');
    assert.equal(e.product.stockOnHand, 0);
    assert.equal(e.product.version, 4);
    assert.deepEqual(e.type === 'StockAdjusted' && e.movement, { id: 'm-1', productId: ID, delta: -5, reason: 'count', stockAfter: 0, occurredAt: T1 });
  });

  it('never below zero, never above the integer range (409)', () => {
    const below = refusal(adjust(product(), -6));
    assert.equal(below.kind, 'conflict');
    assert.match(below.detail, /below zero/);
    assert.equal(refusal(adjust(product({ stockOnHand: 2 ** 31 - 1 }), 1)).kind, 'conflict');
  });

  it('a zero, fractional or huge delta and a blank reason are invalid', () => {
    assert.deepEqual(refusal(adjust(product(), 0, ' ')).fields, ['delta', 'reason']);
    assert.equal(refusal(adjust(product(), 1.5)).kind, 'invalid');
    assert.equal(refusal(adjust(product(), 2 ** 31)).kind, 'invalid');
    assert.equal(refusal(adjust(null, 1)).kind, 'not-found');
  });

  it("needs no ownership: stock is the warehouse's (inventory:write)", () => {
    assert.equal(events(adjust(product({ ownerId: 'someone-else' }), 1)).length, 1);
  });

  it("a product's times never go back, so its movements sort by version", () => {
    const [e] = events(adjust(product({ updatedAt: T1 }), 1, 'r', T0));
    assert.equal(e.product.updatedAt.getTime(), T1.getTime() + 1);
    assert.equal(nextTimestamp(T0, T1), T1);
    assert.equal(nextTimestamp(T1, T1).getTime(), T1.getTime() + 1);
  });

  it('folding the events gives the state each event carries', () => {
    let state: Product | null = null;
    const steps: Decision[] = [];
    steps.push(decideCreate(state, { id: ID, input: { sku: 'S', name: 'N', priceCents: 1, currency: 'EUR' }, actor: alice, now: T0 }));
    state = events(steps[0]).reduce(evolve, state);
    steps.push(adjust(state, 3));
    state = events(steps[1]).reduce(evolve, state);
    steps.push(decideUpdate(state, { id: ID, patch: { name: 'M' }, actor: alice, preconditions: { match: [2] }, now: T1 }));
    state = events(steps[2]).reduce(evolve, state);
    assert.equal(state?.version, 3);
    assert.equal(state?.stockOnHand, 3);
    assert.equal(state?.name, 'M');
  });
});
