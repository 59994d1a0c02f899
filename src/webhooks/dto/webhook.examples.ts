import { ApiExamples, EXAMPLE_IDS } from '../../common/api-examples';
import { CreatedWebhookDto, CreateWebhookDto, RotatedWebhookSecretDto, WebhookDeliveryDto, WebhookDto, WebhookListDto } from './webhook.dto';

const GITHUB_WEBHOOK: WebhookDto = {
  id: '2b7d9e41-6a3c-4f8e-b1d5-0c9a8e7f6d54',
  instance_id: EXAMPLE_IDS.instance,
  name: 'github-push',
  signing: 'github',
  active_secrets: 1,
  created_at: '2026-11-24T10:00:00.000Z',
  last_used_at: '2026-11-24T10:15:30.000Z',
  revoked_at: null,
};

const STANDARD_WEBHOOK: WebhookDto = {
  id: '7e1a3c5b-9d2f-4a6e-8c0b-1f3d5e7a9c2b',
  instance_id: EXAMPLE_IDS.instance,
  name: 'billing-events',
  signing: 'standard',
  active_secrets: 2,
  created_at: '2026-11-20T08:00:00.000Z',
  last_used_at: null,
  revoked_at: null,
};

export const CREATE_WEBHOOK_EXAMPLES: ApiExamples<CreateWebhookDto> = {
  github: { summary: 'For a GitHub repository webhook', value: { name: 'github-push', signing: 'github' } },
  standard: { summary: 'For a sender that speaks Standard Webhooks', value: { name: 'billing-events', signing: 'standard' } },
  unsigned: { summary: 'Unsigned: the URL token alone is the credential', value: { name: 'nightly-cron' } },
};

export const CREATED_WEBHOOK_EXAMPLES: ApiExamples<CreatedWebhookDto> = {
  github: {
    summary: 'Created: the token and the secret are shown this once',
    value: {
      ...GITHUB_WEBHOOK,
      last_used_at: null,
      url: '/api/hooks/whk_Yq7Lk2vB9mXc3TzR8pW1sN4aH6uJ0eD5fG7iK2oL9qE',
      token: 'whk_Yq7Lk2vB9mXc3TzR8pW1sN4aH6uJ0eD5fG7iK2oL9qE',
      signing_secret: '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4f6a8c0e2f4a6c8e0b',
    },
  },
};

export const WEBHOOK_LIST_EXAMPLES: ApiExamples<WebhookListDto> = {
  two: { summary: "An instance's webhooks, one of them mid-rotation", value: { items: [STANDARD_WEBHOOK, GITHUB_WEBHOOK] } },
};

export const ROTATED_WEBHOOK_EXAMPLES: ApiExamples<RotatedWebhookSecretDto> = {
  rotated: {
    summary: 'A new secret; the previous one verifies for 24 more hours',
    value: { ...STANDARD_WEBHOOK, signing_secret: 'whsec_c2VjcmV0LWtleS1ieXRlcy1mb3ItdGhlLWV4YW1wbGUtMDE=', previous_secret_expires_at: '2026-11-25T10:00:00.000Z' },
  },
};

export const WEBHOOK_DELIVERY_EXAMPLES: ApiExamples<WebhookDeliveryDto> = {
  accepted: { summary: 'The run is queued (or, for a redelivery, the run the first delivery started)', value: { execution_id: EXAMPLE_IDS.execution } },
};
