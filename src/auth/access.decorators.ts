import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { Scope } from './scopes.js';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_SCOPES = 'auth:scopes';
export const USER_TOKEN_READ = 'auth:user-token-read';

/**
 * No credentials at all (health, docs). Everything else is closed by default. On a class it marks each of its
 * methods too: Nest copies a method's metadata to the route it registers with Fastify, where the hook that refuses
 * writes before their body is read (admitWritesBeforeTheirBody) looks for it.
 */
export const Public = (): ClassDecorator & MethodDecorator =>
  ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) return SetMetadata(PUBLIC_ROUTE, true)(target, key!, descriptor);
    const prototype = (target as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (name !== 'constructor' && typeof prototype[name] === 'function') Reflect.defineMetadata(PUBLIC_ROUTE, true, prototype[name]);
    }
    return SetMetadata(PUBLIC_ROUTE, true)(target as never);
  }) as ClassDecorator & MethodDecorator;

/**
 * The user token must carry every one of these scopes. On reads this adds a user token to the API key
 * (e.g. the audit trail); on writes a token is always required and this names what it must allow.
 */
export const RequireScopes = (...scopes: Scope[]): MethodDecorator =>
  // On methods only: the hook that judges writes before their body is read sees a route's own metadata, not its class's.
  applyDecorators(SetMetadata(REQUIRED_SCOPES, scopes), ApiSecurity('user-token', scopes));

/**
 * The exception to "reads need an API key": a read that a user token with these scopes authorises on its own,
 * for routes about credentials rather than data (the contract's `GET /v1/api-keys`: JWT `api-keys:manage` only).
 * A key that comes along must still be valid, as on a write.
 */
export const UserTokenRead = (...scopes: Scope[]): MethodDecorator =>
  applyDecorators(SetMetadata(USER_TOKEN_READ, true), RequireScopes(...scopes));

/** What a route asks of its caller, from its metadata: the first of `targets` (a handler, then its class) that says. */
export interface RouteAccess {
  public: boolean;
  scopes: readonly string[];
  userTokenRead: boolean;
}

export function routeAccessOf(...targets: object[]): RouteAccess {
  const first = <T>(key: string): T | undefined => targets.map((t) => Reflect.getMetadata(key, t) as T | undefined).find((v) => v !== undefined);
  return {
    public: first<boolean>(PUBLIC_ROUTE) ?? false,
    scopes: first<string[]>(REQUIRED_SCOPES) ?? [],
    userTokenRead: first<boolean>(USER_TOKEN_READ) ?? false,
  };
}
