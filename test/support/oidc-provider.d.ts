// Minimal ambient typings for the parts of oidc-provider@9 used by
// test/support/identity-provider.ts. The package ships no types and
// @types/oidc-provider is not installed; keep this surface small.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** Provider configuration; see node_modules/oidc-provider/lib/helpers/defaults.js. */
  export type Configuration = Record<string, unknown>;

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Koa: silence its default error logger. */
    silent: boolean;
    /** Koa: a node:http request listener. */
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  export class OIDCProviderError extends Error {
    error: string;
    error_description?: string;
    status: number;
    statusCode: number;
  }

  /** Error classes, e.g. `new errors.InvalidTarget(description?)`. */
  export const errors: Record<string, new (description?: string) => OIDCProviderError>;

  export default Provider;
}
