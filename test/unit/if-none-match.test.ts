import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ifNoneMatchMatches } from '../../src/http/if-none-match.js';

describe('If-None-Match (RFC 9110 §13.1.2, weak comparison)', () => {
  const etag = '"abc.3"';

  it('matches the same tag, with or without W/ on either side', () => {
    assert.equal(ifNoneMatchMatches('"abc.3"', etag), true);
    assert.equal(ifNoneMatchMatches('W/"abc.3"', etag), true);
    assert.equal(ifNoneMatchMatches('"abc.3"', 'W/"abc.3"'), true);
  });

  it('matches any member of a list, whatever the spacing', () => {
    assert.equal(ifNoneMatchMatches('"x", "abc.3"', etag), true);
    assert.equal(ifNoneMatchMatches('"x",W/"abc.3" ,"y"', etag), true);
    assert.equal(ifNoneMatchMatches(['"x"', '"abc.3"'], etag), true);
  });

  it('* matches any current representation', () => {
    assert.equal(ifNoneMatchMatches('*', etag), true);
    assert.equal(ifNoneMatchMatches(' * ', etag), true);
  });

  it('does not match another tag, a prefix, an unquoted tag, or a comma inside a tag', () => {
    assert.equal(ifNoneMatchMatches(undefined, etag), false);
    assert.equal(ifNoneMatchMatches('', etag), false);
    assert.equal(ifNoneMatchMatches('"abc.4"', etag), false);
    assert.equal(ifNoneMatchMatches('"abc"', etag), false);
    assert.equal(ifNoneMatchMatches('abc.3', etag), false);
    assert.equal(ifNoneMatchMatches('w/"abc.3"x', '"other"'), false);
    assert.equal(ifNoneMatchMatches('"a,b"', '"a"'), false);
    assert.equal(ifNoneMatchMatches('"x", "a,b"', '"a,b"'), true);
  });
});
