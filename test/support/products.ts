import { setTimeout as sleep } from 'node:timers/promises';
import { apiKey, bearer, unique, type HttpResult, type TestApp } from './test-app.js';

/** A valid create body with a fresh sku. */
export const newProduct = (over: Record<string, unknown> = {}) => ({ sku: unique('SKU'), name: 'Mug', priceCents: 1299, currency: 'EUR', ...over });

/** Shortcuts for the products API of one test app: a writer's token in, parsed responses out. */
export function productsApi(t: TestApp, key: string) {
  return {
    create: (token: string, over: Record<string, unknown> = {}) =>
      t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct(over) }),
    get: (id: string) => t.request('GET', `/v1/products/${id}`, { headers: apiKey(key) }),
    patch: (id: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
      t.request('PATCH', `/v1/products/${id}`, { headers: { ...bearer(token), ...headers }, body }),
    delete: (id: string, token: string, headers: Record<string, string> = {}) =>
      t.request('DELETE', `/v1/products/${id}`, { headers: { ...bearer(token), ...headers } }),
    adjust: (id: string, token: string, delta: unknown, reason: unknown = 'count') =>
      t.request('POST', `/v1/products/${id}/stock-adjustments`, { headers: bearer(token), body: { delta, reason } }),
    movements: (id: string, query = '') => t.request('GET', `/v1/products/${id}/stock-movements${query}`, { headers: apiKey(key) }),
    /** Every page of a list, following nextCursor. */
    async all(path: string, limit = 100): Promise<any[]> {
      const rows: any[] = [];
      let cursor: string | null = null;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const page: HttpResult = await t.request('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { headers: apiKey(key) });
        if (page.status !== 200) throw new Error(`GET ${path}: ${page.status} ${page.text}`);
        rows.push(...page.body.data);
        cursor = page.body.nextCursor;
      } while (cursor);
      return rows;
    },
  };
}

/** Polls until `check` returns something truthy, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T>, ms = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
}
