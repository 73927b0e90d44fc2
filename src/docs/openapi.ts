import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/app-config.js';
import { documentIdempotency } from '../idempotency/idempotency.openapi.js';
import { documentStandardResponses } from './standard-responses.js';
import { SCOPE_DESCRIPTIONS } from '../auth/scopes.js';


/**
 * OAuth endpoints must be URLs; the dev issuer is a URN, so the document then names a placeholder host (RFC 6761
 * reserves .invalid) and says where development tokens come from.
 */
function oauthEndpoints(issuer: string): { tokenUrl: string; authorizationUrl: string; note: string } {
  const base = /^https?:\/\//i.test(issuer) ? issuer.replace(/\/$/, '') : 'https://identity-provider.invalid';
  const note = base === issuer.replace(/\/$/, '') ? '' : ` The configured issuer (${issuer}) is not a URL: development tokens come from \`npm run token\`; the URLs here are placeholders.`;
  return { tokenUrl: `${base}/oauth/token`, authorizationUrl: `${base}/authorize`, note };
}

export function setUpOpenApi(app: INestApplication, config: AppConfig): void {
  const { tokenUrl, authorizationUrl, note } = oauthEndpoints(config.auth.issuer);
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
          description: `User access token (JWT, RFC 9068) from the identity provider, sent as Authorization: Bearer.${note}`,
          flows: {
            authorizationCode: { authorizationUrl, tokenUrl, scopes: SCOPE_DESCRIPTIONS },
          },
        },
        'user-token',
      )
      .build(),
  );
  documentIdempotency(document);
  documentStandardResponses(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  // Every successful read says how it may be cached: the document and the UI change with each deployment.
  (app.getHttpAdapter().getInstance() as FastifyInstance).addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/docs') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
  });
}
