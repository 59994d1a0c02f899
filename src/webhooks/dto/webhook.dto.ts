import { ApiProperty } from '@nestjs/swagger';
import { EnumField, StringField } from '../../common/field.decorators';
import { epochSecondsToIso } from '../../common/time';
import { PluginWebhookEntity, WEBHOOK_SIGNINGS, WebhookSigning } from '../webhook.entity';

const EXAMPLE_WEBHOOK_ID = '2b7d9e41-6a3c-4f8e-b1d5-0c9a8e7f6d54';

export class CreateWebhookDto {
  @StringField({ description: 'What the webhook is for (who sends to it), shown in the list.', example: 'github-push', minLength: 1, maxLength: 100, trim: true })
  name: string;

  @EnumField(WEBHOOK_SIGNINGS, 'WebhookSigning', {
    description: 'How deliveries are signed: `github` (`X-Hub-Signature-256`) or `standard` (Standard Webhooks). Omit for an unsigned webhook, where the URL token alone is the credential.',
    example: 'github',
    optional: true,
  })
  signing?: WebhookSigning;
}

/** A webhook as listed: never its token or signing secret. */
export class WebhookDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_WEBHOOK_ID })
  id: string;

  @ApiProperty({ format: 'uuid', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' })
  instance_id: string;

  @ApiProperty({ example: 'github-push' })
  name: string;

  @ApiProperty({ type: String, enum: [...WEBHOOK_SIGNINGS, null], nullable: true, description: 'null: unsigned.', example: 'github' })
  signing: WebhookSigning | null;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 2, description: 'Signing secrets that verify now: 2 during a rotation (until the previous one expires), else 1; 0 when unsigned.', example: 1 })
  active_secrets: number;

  @ApiProperty({ format: 'date-time', example: '2026-11-24T10:00:00.000Z' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last delivery that started (or found) a run.', example: '2026-11-24T10:15:30.000Z' })
  last_used_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it was revoked; its URL answers 404 since.', example: null })
  revoked_at: string | null;

  static from(entity: PluginWebhookEntity, nowSeconds: number): WebhookDto {
    return {
      id: entity.id,
      instance_id: entity.instance_id,
      name: entity.name,
      signing: entity.signing,
      active_secrets: (entity.secrets ?? []).filter((secret) => secret.expires_at === null || secret.expires_at > nowSeconds).length,
      created_at: epochSecondsToIso(entity.created_at),
      last_used_at: epochSecondsToIso(entity.last_used_at),
      revoked_at: epochSecondsToIso(entity.revoked_at),
    };
  }
}

/** The answer to creating a webhook: the only time its token and signing secret are shown. */
export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({ description: 'Where senders POST: `/api/hooks/{token}` (prefix it with this server\'s public address). Shown once.', example: '/api/hooks/whk_Yq7Lk2vB9mXc3TzR8pW1sN4aH6uJ0eD5fG7iK2oL9qE' })
  url: string;

  @ApiProperty({ description: 'The credential in the URL: shown once; only its SHA-256 is stored.', example: 'whk_Yq7Lk2vB9mXc3TzR8pW1sN4aH6uJ0eD5fG7iK2oL9qE' })
  token: string;

  @ApiProperty({
    required: false,
    description: 'The signing secret to configure at the sender (github: the webhook "Secret"; standard: a `whsec_` key). Shown once; stored sealed. Absent when unsigned.',
    example: '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4f6a8c0e2f4a6c8e0b',
  })
  signing_secret?: string;
}

export class WebhookListDto {
  @ApiProperty({ type: [WebhookDto] })
  items: WebhookDto[];
}

/** The answer to a rotation: the new secret, once, and until when the previous one still verifies. */
export class RotatedWebhookSecretDto extends WebhookDto {
  @ApiProperty({ description: 'The new signing secret: shown once. Deliveries signed with it verify from now on.', example: 'whsec_c2VjcmV0LWtleS1ieXRlcy1mb3ItdGhlLWV4YW1wbGUtMDE=' })
  signing_secret: string;

  @ApiProperty({ format: 'date-time', description: 'Until then the previous secret verifies too (24 h after the rotation, or until the next rotation).', example: '2026-11-25T10:00:00.000Z' })
  previous_secret_expires_at: string;
}

/** The answer to a delivery: which run it started (or, for a redelivery, had started). */
export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'The run; its URL is in Location (reading it takes an API key).', example: '8a0e6c52-1d3b-4f7a-b2c9-5e4d3f2a1b0c' })
  execution_id: string;
}
