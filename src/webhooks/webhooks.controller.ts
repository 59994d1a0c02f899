import { Body, Controller, Delete, Get, Param, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Endpoint } from '../auth/endpoint.decorator';
import { Clock } from '../common/clock';
import { epochSecondsToIso } from '../common/time';
import { INSTANCE_ID_PARAM, UuidParam, WebhookPathParams } from '../common/path-params.dto';
import { CreatedWebhookDto, CreateWebhookDto, RotatedWebhookSecretDto, WebhookDto, WebhookListDto } from './dto/webhook.dto';
import { CREATE_WEBHOOK_EXAMPLES, CREATED_WEBHOOK_EXAMPLES, ROTATED_WEBHOOK_EXAMPLES, WEBHOOK_LIST_EXAMPLES } from './dto/webhook.examples';
import { WebhooksService } from './webhooks.service';

const WEBHOOK_ID = { description: 'Webhook id (uuid).', example: '2b7d9e41-6a3c-4f8e-b1d5-0c9a8e7f6d54' };

@ApiTags('webhooks')
@Controller('api/plugins/instances/:id/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly clock: Clock,
  ) {}

  @Post()
  @Endpoint({
    operationId: 'createWebhook',
    summary: 'Create a webhook',
    description:
      'A URL that starts a run of the instance when something POSTs to it, without an API key: the token in the URL is the credential. ' +
      'With `signing`, deliveries must also be signed (`github`: `X-Hub-Signature-256`; `standard`: Standard Webhooks) with the secret answered here. ' +
      'The token and the secret are shown this once: only the token\'s SHA-256 is stored, and the secret is sealed like config secrets.',
    scope: 'write',
    params: INSTANCE_ID_PARAM,
    body: { type: CreateWebhookDto, examples: CREATE_WEBHOOK_EXAMPLES },
    ok: {
      status: 201,
      type: CreatedWebhookDto,
      description: 'Created; `token`, `url` and `signing_secret` are shown this once.',
      examples: CREATED_WEBHOOK_EXAMPLES,
      headers: { Location: { description: "URL of the instance's webhook list.", schema: { type: 'string', example: '/api/plugins/instances/3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15/webhooks' } } },
    },
    problems: ['validation-failed', 'malformed-json', 'instance-not-found', 'payload-too-large', 'unsupported-media-type'],
  })
  async create(@Param() { id }: UuidParam, @Body() body: CreateWebhookDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<CreatedWebhookDto> {
    const { webhook, token, secret } = await this.webhooks.create(id, { name: body.name, signing: body.signing });
    void reply.header('location', `/api/plugins/instances/${id}/webhooks`);
    return { ...WebhookDto.from(webhook, this.clock.nowSeconds()), url: `/api/hooks/${token}`, token, ...(secret ? { signing_secret: secret } : {}) };
  }

  @Get()
  @Endpoint({
    operationId: 'listWebhooks',
    summary: "List an instance's webhooks",
    description: 'Every webhook of the instance, revoked ones included, oldest first. Tokens and signing secrets are never shown again.',
    scope: 'read',
    params: INSTANCE_ID_PARAM,
    ok: { status: 200, type: WebhookListDto, description: 'The webhooks.', examples: WEBHOOK_LIST_EXAMPLES },
    problems: ['instance-not-found'],
  })
  async list(@Param() { id }: UuidParam): Promise<WebhookListDto> {
    const now = this.clock.nowSeconds();
    return { items: (await this.webhooks.list(id)).map((webhook) => WebhookDto.from(webhook, now)) };
  }

  @Delete(':webhook_id')
  @Endpoint({
    operationId: 'revokeWebhook',
    summary: 'Revoke a webhook',
    description: 'Revokes the webhook: its URL answers 404 from now on. It stays listed as revoked. Revoking a revoked webhook changes nothing.',
    scope: 'write',
    params: { ...INSTANCE_ID_PARAM, webhook_id: WEBHOOK_ID },
    ok: { status: 204, description: 'Revoked.' },
    problems: ['instance-not-found', 'webhook-not-found'],
  })
  async revoke(@Param() { id, webhook_id: webhookId }: WebhookPathParams): Promise<void> {
    await this.webhooks.revoke(id, webhookId);
  }

  @Post(':webhook_id/rotate')
  @Endpoint({
    operationId: 'rotateWebhookSecret',
    summary: "Rotate a webhook's signing secret",
    description:
      'A new signing secret, current from now on, shown this once. The previous one keeps verifying for 24 hours or until the next rotation, whichever comes first, ' +
      'so the sender can be switched to the new secret without failed deliveries. At most two secrets verify at any time.',
    scope: 'write',
    params: { ...INSTANCE_ID_PARAM, webhook_id: WEBHOOK_ID },
    ok: { status: 200, type: RotatedWebhookSecretDto, description: 'The new secret.', examples: ROTATED_WEBHOOK_EXAMPLES },
    problems: ['instance-not-found', 'webhook-not-found', 'webhook-not-signed'],
  })
  async rotate(@Param() { id, webhook_id: webhookId }: WebhookPathParams): Promise<RotatedWebhookSecretDto> {
    const { webhook, secret, previousExpiresAt } = await this.webhooks.rotate(id, webhookId);
    return { ...WebhookDto.from(webhook, this.clock.nowSeconds()), signing_secret: secret, previous_secret_expires_at: epochSecondsToIso(previousExpiresAt) };
  }
}
