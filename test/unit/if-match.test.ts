import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIfMatch } from '../../src/http/if-match.js';
import { ProblemException } from '../../src/http/problem.js';
import { expectedVersion, productEtag } from '../../src/products/product.response.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('If-Match', () => {
  it('parses *, one tag, lists, weak tags and commas inside tags', () => {
    assert.equal(parseIfMatch(undefined), undefined);
    assert.equal(parseIfMatch(' * '), '*');
    assert.deepEqual(parseIfMatch('"a"'), ['"a"']);
    assert.deepEqual(parseIfMatch('"a" , W/"b",,"c,d"'), ['"a"', 'W/"b"', '"c,d"']);
    assert.deepEqual(parseIfMatch(['"a"', '"b"']), ['"a"', '"b"']);
  });

  it('refuses what is not an entity-tag list with a 400', () => {
    for (const bad of ['', 'abc', '"a', 'a"', '"a""b"', '"a" "b"', '*, "a"', 'W/ "a"']) {
      assert.throws(() => parseIfMatch(bad), (e: unknown) => e instanceof ProblemException && e.getStatus() === 400, bad);
    }
  });

  it("resolves to this product's versions: other products' and weak tags name none", () => {
    const tag = productEtag({ id: ID, version: 7 });
    assert.deepEqual(expectedVersion(ID, parseIfMatch(`${tag}, "${ID}.8"`)), [7, 8]);
    assert.deepEqual(expectedVersion(ID, parseIfMatch(`W/${tag}`)), []);
    assert.deepEqual(expectedVersion(ID, parseIfMatch(productEtag({ id: '00000000-0000-4000-8000-000000000000', version: 7 }))), []);
    // Strong comparison is exact: ids reach here in lower case (UuidParam), and another spelling of the tag is another tag.
    assert.deepEqual(expectedVersion(ID, parseIfMatch(tag.toUpperCase())), []);
    assert.deepEqual(expectedVersion(ID, parseIfMatch(`"${ID}.07"`)), []);
    assert.equal(expectedVersion(ID, '*'), 'any');
    assert.equal(expectedVersion(ID, undefined), undefined);
  });
});
