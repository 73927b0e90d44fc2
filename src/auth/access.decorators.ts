import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_SCOPES = 'auth:scopes';

/** No credentials at all (health, docs). Everything else is closed by default. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The user token must carry every one of these scopes. On reads this adds a user token to the API key
 * (e.g. the audit trail); on writes a token is always required and this names what it must allow.
 */
export const RequireScopes = (...scopes: string[]) =>
  applyDecorators(SetMetadata(REQUIRED_SCOPES, scopes), ApiSecurity('user-token', scopes));
