import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { decodeCursor, pageBody } from '../../http/cursor.js';
import { ProblemException } from '../../http/problem.js';
import { NoQueryParameters } from '../../http/no-query.guard.js';
import { UuidParam } from '../../http/uuid-param.js';
import { CacheControl } from '../../http/http-caching.interceptor.js';
import { UserTokenRead } from '../access.decorators.js';
import { ApiKeyPageResponse, ApiKeyResponse } from './api-key.response.js';
import { GetApiKeyQuery } from './queries/get-api-key/get-api-key.query.js';
import { ListApiKeysQuery } from './queries/list-api-keys/list-api-keys.query.js';
import { ListApiKeysRequest } from './queries/list-api-keys/list-api-keys.request.js';
import { Scope } from '../scopes.js';

/**
 * Reads about the keys themselves are for people who manage them: a user token with api-keys:manage, and no API
 * key (the contract's "who" for these rows). Nothing here ever carries a secret or a hash. `no-store`, not the
 * default `max-age`: a browser must not show a key as active after it was revoked.
 */
@ApiTags('api-keys')
@Controller('v1/api-keys')
export class ApiKeysQueriesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @CacheControl('no-store')
  @UserTokenRead(Scope.ApiKeysManage)
  @ApiOperation({ summary: 'List API keys, newest first (revoked and rotated ones included)' })
  @ApiOkResponse({ type: ApiKeyPageResponse })
  async list(@Query() params: ListApiKeysRequest): Promise<ApiKeyPageResponse> {
    const page = await this.queries.execute(new ListApiKeysQuery(params.limit, decodeCursor(params.cursor, 'api-keys')));
    const now = new Date();
    return pageBody(page, (k) => ApiKeyResponse.from(k, now), 'api-keys');
  }

  @Get(':id')
  @CacheControl('no-store')
  @UserTokenRead(Scope.ApiKeysManage)
  @ApiOperation({ summary: 'One API key (where Location points after a create or a rotate)' })
  @ApiOkResponse({ type: ApiKeyResponse })
  @ApiNotFoundResponse({ description: 'No such key' })
  @NoQueryParameters()
  async get(@UuidParam() id: string): Promise<ApiKeyResponse> {
    const key = await this.queries.execute(new GetApiKeyQuery(id));
    if (!key) throw ProblemException.notFound(`No API key ${id}.`);
    return ApiKeyResponse.from(key);
  }
}
