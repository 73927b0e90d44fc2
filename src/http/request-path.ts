/** The path of a request URL: no query (it may hold a secret), no scheme and host (a request line may be absolute). */
export const pathOf = (url: string): string => url.split('?', 1)[0].replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
