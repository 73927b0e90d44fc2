import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseEntityTagCondition } from '../../src/http/if-match.js';
import { ProblemException } from '../../src/http/problem.js';
import { preconditionsFor } from '../../src/products/product-preconditions.js';
import { productEtag } from '../../src/products/product.response.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('If-Match', () => {
  it('parses *, one tag, lists, weak tags and commas inside tags', () => {
    assert.equal(parseEntityTagCondition(undefined, 'If-Match'), undefined);
    assert.equal(parseEntityTagCondition(' * ', 'If-Match'), '*');
    assert.deepEqual(parseEntityTagCondition('"a"', 'If-Match'), ['"a"']);
    assert.deepEqual(parseEntityTagCondition('"a" , W/"b",,"c,d"', 'If-Match'), ['"a"', 'W/"b"', '"c,d"']);
    assert.deepEqual(parseEntityTagCondition(['"a"', '"b"'], 'If-Match'), ['"a"', '"b"']);
  });

  it('refuses what is not an entity-tag list with a 400', () => {
    for (const bad of ['', 'abc', '"a', 'a"', '"a""b"', '"a" "b"', '*, "a"', 'W/ "a"']) {
      assert.throws(() => parseEntityTagCondition(bad, 'If-Match'), (e: unknown) => e instanceof ProblemException && e.getStatus() === 400, bad);
    }
  });

  it("resolves to this product's versions: other products' and weak tags name none", () => {
    const tag = productEtag({ id: ID, version: 7 });
    const match = (header: string | undefined) => preconditionsFor(ID, { ifMatch: parseEntityTagCondition(header, 'If-Match') }).match;
    assert.deepEqual(match(`${tag}, "${ID}.8"`), [7, 8]);
    assert.deepEqual(match(`W/${tag}`), []);
    assert.deepEqual(match(productEtag({ id: '00000000-0000-4000-8000-000000000000', version: 7 })), []);
    // Strong comparison is exact: ids reach here in lower case (UuidParam), and another spelling of the tag is another tag.
    assert.deepEqual(match(tag.toUpperCase()), []);
    assert.deepEqual(match(`"${ID}.07"`), []);
    assert.equal(match('*'), 'any');
    assert.equal(match(undefined), undefined);
  });

  it('If-None-Match on a write compares weakly: W/ tags name their version too', () => {
    const tag = productEtag({ id: ID, version: 7 });
    const noneMatch = (header: string | undefined) => preconditionsFor(ID, { ifNoneMatch: parseEntityTagCondition(header, 'If-None-Match') }).noneMatch;
    assert.deepEqual(noneMatch(`W/${tag}, "${ID}.8"`), [7, 8]);
    assert.equal(noneMatch('*'), 'any');
    assert.equal(noneMatch(undefined), undefined);
  });
});
