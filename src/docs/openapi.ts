import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/app-config.js';
import { documentIdempotency } from '../idempotency/idempotency.openapi.js';

/** Every scope a user token can carry, declared once for the OpenAPI document. */
export const SCOPES: Record<string, string> = {
  'products:write': 'Create, change and delete your own products',
  'products:admin': "Change and delete anyone's products",
  'inventory:write': 'Adjust stock',
  'audit:read': 'Read the audit trail',
  'api-keys:manage': 'Create, list, rotate and revoke API keys',
};

export function setUpOpenApi(app: INestApplication, config: AppConfig): void {
  const tokenUrl = `${config.auth.issuer.replace(/\/$/, '')}/oauth/token`;
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('CQRS reference backend')
      .setDescription(
        'Reads (GET/HEAD) need an API key in X-API-Key: it identifies an application. ' +
          'Writes need a user access token (JWT) in Authorization: Bearer; API keys do not identify a user, so they cannot write. ' +
          'Errors are RFC 9457 application/problem+json.',
      )
      .setVersion('1.0.0')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Application key (reads)' }, 'api-key')
      .addOAuth2(
        {
          type: 'oauth2',
          description: 'User access token (JWT, RFC 9068) from the identity provider, sent as Authorization: Bearer',
          flows: {
            clientCredentials: { tokenUrl, scopes: SCOPES },
            authorizationCode: { authorizationUrl: `${config.auth.issuer.replace(/\/$/, '')}/authorize`, tokenUrl, scopes: SCOPES },
          },
        },
        'user-token',
      )
      .build(),
  );
  documentIdempotency(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
