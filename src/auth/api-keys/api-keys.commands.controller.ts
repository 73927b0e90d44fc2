import { Body, Controller, Delete, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Writer, type WriteContext } from '../../audit/write-context.js';
import { toDate } from '../../http/instant.js';
import { NoQueryParameters } from '../../http/no-query.guard.js';
import { UuidParam } from '../../http/uuid-param.js';
import { RequireScopes } from '../access.decorators.js';
import { CreatedApiKeyResponse, RotatedApiKeyResponse } from './api-key.response.js';
import { CreateApiKeyCommand } from './commands/create-api-key/create-api-key.command.js';
import { CreateApiKeyRequest } from './commands/create-api-key/create-api-key.request.js';
import { RevokeApiKeyCommand } from './commands/revoke-api-key/revoke-api-key.command.js';
import { RotateApiKeyCommand } from './commands/rotate-api-key/rotate-api-key.command.js';
import { RotateApiKeyRequest } from './commands/rotate-api-key/rotate-api-key.request.js';
import { Scope } from '../scopes.js';

const LOCATION = { Location: { description: 'The new key', schema: { type: 'string' } } };

/** Managing keys is a write like any other: a user token with api-keys:manage, audited in the same transaction. */
@ApiTags('api-keys')
@NoQueryParameters()
@Controller('v1/api-keys')
export class ApiKeysCommandsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @RequireScopes(Scope.ApiKeysManage)
  @ApiOperation({ summary: 'Create an API key; the response is the only place its plaintext ever appears' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse, headers: LOCATION })
  async create(
    @Body() body: CreateApiKeyRequest,
    @Writer() writer: WriteContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedApiKeyResponse> {
    const input = { name: body.name, expiresAt: toDate(body.expiresAt), rateLimitPerMinute: body.rateLimitPerMinute };
    const { key, plaintext } = await this.commands.execute(new CreateApiKeyCommand(input, writer));
    reply.header('location', `/v1/api-keys/${key.id}`);
    return CreatedApiKeyResponse.withKey(key, plaintext);
  }

  @Post(':id/rotate')
  @HttpCode(201)
  @RequireScopes(Scope.ApiKeysManage)
  @ApiOperation({ summary: 'Replace a key by a new one; the old one keeps working for a grace period, then stops' })
  @ApiBody({ type: RotateApiKeyRequest, required: false, description: 'Optional: without a body, the default grace period and the old expiry' })
  @ApiCreatedResponse({ type: RotatedApiKeyResponse, headers: LOCATION })
  @ApiNotFoundResponse({ description: 'No such key' })
  @ApiConflictResponse({ description: 'The key is revoked, expired or already rotated' })
  async rotate(
    @UuidParam() id: string,
    @Body() body: RotateApiKeyRequest,
    @Writer() writer: WriteContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RotatedApiKeyResponse> {
    const input = { gracePeriodSeconds: body.gracePeriodSeconds, expiresAt: toDate(body.expiresAt) };
    const { key, plaintext, replaced } = await this.commands.execute(new RotateApiKeyCommand(id, input, writer));
    reply.header('location', `/v1/api-keys/${key.id}`);
    return { ...CreatedApiKeyResponse.withKey(key, plaintext), replaces: { id: replaced.id, graceUntil: replaced.graceUntil!.toISOString() } };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScopes(Scope.ApiKeysManage)
  @ApiOperation({ summary: 'Revoke a key: refused from the next request on (other instances: within API_KEY_CACHE_TTL_MS)' })
  @ApiNoContentResponse({ description: 'Revoked (also when it already was)' })
  @ApiNotFoundResponse({ description: 'No such key' })
  async revoke(@UuidParam() id: string, @Writer() writer: WriteContext): Promise<void> {
    await this.commands.execute(new RevokeApiKeyCommand(id, writer));
  }
}
