/** The user behind a write, from a verified access token. */
export interface UserPrincipal {
  sub: string;
  issuer: string;
  /** `client_id` (RFC 9068) or `azp`: the application the user acted through. */
  clientId: string | null;
  scopes: ReadonlySet<string>;
}

/** The application behind a request, from a verified API key. Never a person. */
export interface ApiKeyPrincipal {
  id: string;
  keyId: string;
  name: string;
  rateLimitPerMinute: number | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: UserPrincipal;
    apiKey?: ApiKeyPrincipal;
  }
}
