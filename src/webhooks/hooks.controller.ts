import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Endpoint } from '../auth/endpoint.decorator';
import type { JsonValue } from '../sdk/types';
import { WebhookDeliveryDto } from './dto/webhook.dto';
import { WEBHOOK_DELIVERY_EXAMPLES } from './dto/webhook.examples';
import { WebhookRateLimitedError, WebhooksService } from './webhooks.service';

const SIGNATURE_HEADERS = [
  { name: 'X-Hub-Signature-256', required: false, description: '`github` signing: `sha256=<hex HMAC-SHA256 of the raw body>` with the webhook secret.' },
  { name: 'webhook-id', required: false, description: '`standard` signing: the message id (also the delivery id for redeliveries).' },
  { name: 'webhook-timestamp', required: false, description: '`standard` signing: epoch seconds; more than 5 minutes from now is refused (replays).' },
  { name: 'webhook-signature', required: false, description: '`standard` signing: `v1,<base64>` signatures over `id.timestamp.body`, space-separated.' },
  { name: 'Idempotency-Key', required: false, description: 'A delivery id: a redelivery with the same key (24 h) answers the same run. Without it, `X-GitHub-Delivery`, then `webhook-id`, serve as the key.' },
  { name: 'X-GitHub-Delivery', required: false, description: "GitHub's delivery id, used as the idempotency key when Idempotency-Key is absent." },
] as const;

@ApiTags('webhooks')
@Controller('api/hooks')
export class HooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post(':token')
  @HttpCode(202)
  @Endpoint({
    operationId: 'deliverWebhook',
    summary: 'Deliver to a webhook',
    description:
      'Starts a run of the webhook\'s instance with `trigger {type: "webhook", webhook_id, payload}`, where `payload` is the body: parsed JSON, the fields of a form, or the text. ' +
      'No API key: the token in the URL is the credential, and it opens nothing but this. A signed webhook also needs a valid signature (401 otherwise, and nothing starts). ' +
      'The answer comes once the run is recorded (queued); Location names it. A redelivery with the same delivery id answers the same run. ' +
      'Bodies up to WEBHOOK_MAX_BYTES (default 1 MiB); each webhook takes at most WEBHOOK_RATE_LIMIT_MAX deliveries a minute.',
    scope: 'public',
    params: { token: { description: 'The webhook token (`whk_` + 43 characters), as in the URL created with the webhook.', example: 'whk_Yq7Lk2vB9mXc3TzR8pW1sN4aH6uJ0eD5fG7iK2oL9qE' } },
    headers: SIGNATURE_HEADERS,
    body: {
      description: 'Whatever the sender sends: JSON, a form, or text.',
      required: false,
      content: {
        'application/json': { schema: {}, example: { ref: 'refs/heads/main', after: '9f2c4e6a' } },
        'application/x-www-form-urlencoded': { schema: { type: 'object', additionalProperties: { type: 'string' } }, example: { payload: '{"ref":"refs/heads/main"}' } },
        'text/plain': { schema: { type: 'string' }, example: 'rebuild please' },
      },
    },
    ok: {
      status: 202,
      type: WebhookDeliveryDto,
      description: 'Accepted: the run is queued (for a redelivery, the run the first delivery started).',
      examples: WEBHOOK_DELIVERY_EXAMPLES,
      headers: { Location: { description: 'URL of the execution (reading it takes an API key).', schema: { type: 'string', example: '/api/plugins/executions/8a0e6c52-1d3b-4f7a-b2c9-5e4d3f2a1b0c' } } },
    },
    problems: [
      'validation-failed',
      'malformed-json',
      'json-too-deep',
      'webhook-signature-invalid',
      'webhook-not-found',
      'instance-disabled',
      'template-unavailable',
      'config-migration-failed',
      'template-version-newer',
      'execution-in-progress',
      'payload-too-large',
      'unsupported-media-type',
      'service-unavailable',
    ],
  })
  async deliver(@Param('token') token: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    let execution;
    try {
      execution = await this.webhooks.deliver(token, {
        payload: (request.body ?? null) as JsonValue,
        rawBody: request.webhookBody ?? Buffer.alloc(0),
        headers: request.headers,
      });
    } catch (error) {
      if (error instanceof WebhookRateLimitedError) void reply.header('retry-after', String(error.retryAfter));
      throw error;
    }
    const body: WebhookDeliveryDto = { execution_id: execution.id };
    await reply.status(202).header('location', `/api/plugins/executions/${execution.id}`).send(body);
  }
}
