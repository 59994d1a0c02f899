import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { jsonText, realNumber } from '../database/json.transformer';
import type { SecretEnvelope } from '../secrets/secret-cipher';

export const WEBHOOK_SIGNINGS = ['github', 'standard'] as const;
export type WebhookSigning = (typeof WEBHOOK_SIGNINGS)[number];

/** A signing secret as stored: sealed, with when it stops being accepted (null: the current secret). */
export interface StoredWebhookSecret {
  sealed: SecretEnvelope;
  created_at: number;
  /** Epoch seconds after which this (previous) secret no longer verifies; null for the current one. */
  expires_at: number | null;
}

/**
 * `plugin_webhooks`: one row per webhook URL of an instance. The URL's token is never stored, only its SHA-256;
 * signing secrets are sealed with the secrets cipher. Written only by WebhookRepository.
 */
@Entity({ name: 'plugin_webhooks' })
@Index('idx_plugin_webhooks_instance', ['instance_id', 'created_at'])
export class PluginWebhookEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  instance_id: string;

  @Column({ type: 'text' })
  name: string;

  /** Hex SHA-256 of the URL token. */
  @Index('uq_plugin_webhooks_token', { unique: true })
  @Column({ type: 'text' })
  token_hash: string;

  @Column({ type: 'text', nullable: true })
  signing: WebhookSigning | null;

  /** The current secret first, then (during a rotation) the previous one; null when unsigned. */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  secrets: StoredWebhookSecret[] | null;

  @Column({ type: 'real', transformer: realNumber })
  created_at: number;

  @Column({ type: 'real', nullable: true, transformer: realNumber })
  last_used_at: number | null;

  @Column({ type: 'real', nullable: true, transformer: realNumber })
  revoked_at: number | null;
}
