import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import type { ApiKeyPrincipal } from '../principals.js';
import { ApiKeysService } from './api-keys.service.js';

const API_KEY_STRATEGY = 'api-key';
export const API_KEY_HEADER = 'x-api-key';

/** Reads the key from the X-API-Key header only: a key in a URL ends up in logs, history and referrers. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, API_KEY_STRATEGY) {
  constructor(private readonly apiKeys: ApiKeysService) {
    super({ header: API_KEY_HEADER, prefix: '' }, false);
  }

  async validate(apiKey: string): Promise<ApiKeyPrincipal | false> {
    return (await this.apiKeys.authenticate(apiKey)) ?? false;
  }
}
