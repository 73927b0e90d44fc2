// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc excludes DQUOTE but not the comma, so lists are not split on commas.
const ENTITY_TAG = /(?:W\/)?("[^"]*")/g;

/**
 * RFC 9110 §13.1.2: whether `If-None-Match` matches the current representation, by weak comparison (a `W/` prefix
 * on either side is ignored), in a list, or `*` for any current representation. Unlike the `fresh` package, a request
 * `Cache-Control: no-cache` does not prevent the match: that directive asks caches to validate with the origin, and
 * this is the origin validating (fetch() adds it to every request that carries If-None-Match).
 */
export function ifNoneMatchMatches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === etag) return true;
  if (value.trim() === '*') return true;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const match of value.matchAll(ENTITY_TAG)) if (match[1] === opaque) return true;
  return false;
}
