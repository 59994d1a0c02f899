import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { hashToken, randomToken } from '../auth/tokens';
import { WEBHOOK_DELIVERY } from '../auth/principal';
import { Clock } from '../common/clock';
import { DomainError, NotFoundError, RateLimitedError, ValidationFailedError } from '../common/domain-errors';
import { Settings } from '../config/settings';
import { ExecutionService } from '../execution/execution.service';
import { PluginExecutionEntity } from '../execution/plugin-execution.entity';
import { InstancesService } from '../instances/instances.service';
import type { JsonValue } from '../sdk/types';
import { SecretsService } from '../secrets/secrets.service';
import { generateSigningSecret, verifySignature } from './webhook-signatures';
import { WebhookRateLimiter } from './webhook-rate-limiter';
import { PluginWebhookEntity, StoredWebhookSecret, WebhookSigning } from './webhook.entity';
import { WebhookRepository } from './webhook.repository';

/** `whk_` + 32 random bytes in base64url (43 characters). */
export const WEBHOOK_TOKEN_PATTERN = /^whk_[A-Za-z0-9_-]{43}$/;
/** How long the previous signing secret keeps verifying after a rotation (unless rotated again sooner). */
export const PREVIOUS_SECRET_GRACE_S = 24 * 3600;
const DELIVERY_KEY = /^[\x21-\x7e]{1,200}$/;

export class WebhookSignatureError extends DomainError {
  constructor(detail: string) {
    super('webhook-signature-invalid', detail);
  }
}

/** What a delivery brings: the parsed body, the raw bytes it was signed over, and its headers. */
export interface WebhookDelivery {
  payload: JsonValue;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

const aadOf = (webhookId: string) => `pif-webhook-secret:${webhookId}`;

const headerOf = (headers: WebhookDelivery['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Webhooks of instances: create (token and secret shown once; token stored as its SHA-256, secret sealed), list,
 * revoke, rotate the secret, and deliveries, which start a run through ExecutionService's admission.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);
  private readonly limiter: WebhookRateLimiter;

  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly instances: InstancesService,
    private readonly executions: ExecutionService,
    private readonly secrets: SecretsService,
    private readonly clock: Clock,
    settings: Settings,
  ) {
    this.limiter = new WebhookRateLimiter(settings.webhookRateLimitMax, clock);
  }

  async create(instanceId: string, request: { name: string; signing?: WebhookSigning | null }): Promise<{ webhook: PluginWebhookEntity; token: string; secret: string | null }> {
    await this.instances.get(instanceId);
    const id = randomUUID();
    const token = randomToken('whk_');
    const signing = request.signing ?? null;
    const secret = signing ? generateSigningSecret(signing) : null;
    const now = this.clock.nowSeconds();
    const webhook = this.webhooks.newWebhook({
      id,
      instance_id: instanceId,
      name: request.name,
      token_hash: hashToken(token),
      signing,
      secrets: secret ? [this.stored(id, secret, now, null)] : null,
      created_at: now,
      last_used_at: null,
      revoked_at: null,
    });
    // An instance deleted meanwhile fails the foreign key: answer it as the 404 it is.
    try {
      await this.webhooks.insert(webhook);
    } catch (error) {
      await this.instances.get(instanceId);
      throw error;
    }
    return { webhook, token, secret };
  }

  async list(instanceId: string): Promise<PluginWebhookEntity[]> {
    await this.instances.get(instanceId);
    return this.webhooks.listForInstance(instanceId);
  }

  /** Revokes a webhook: its URL answers 404 from now on. Revoking a revoked one changes nothing. */
  async revoke(instanceId: string, webhookId: string): Promise<void> {
    const webhook = await this.get(instanceId, webhookId);
    if (webhook.revoked_at === null) await this.webhooks.revoke(webhook.id, this.clock.nowSeconds());
  }

  /**
   * A new signing secret, current from now on. The one it replaces keeps verifying for PREVIOUS_SECRET_GRACE_S
   * (24 h), or until the next rotation, whichever comes first: at most two secrets are ever active.
   */
  async rotate(instanceId: string, webhookId: string): Promise<{ webhook: PluginWebhookEntity; secret: string; previousExpiresAt: number }> {
    const webhook = await this.get(instanceId, webhookId);
    if (webhook.revoked_at !== null) throw new NotFoundError('webhook-not-found', 'webhook', webhookId);
    if (!webhook.signing || !webhook.secrets?.length) throw new DomainError('webhook-not-signed', `webhook '${webhook.name}' was created without signing; it has no secret to rotate`);
    const now = this.clock.nowSeconds();
    const secret = generateSigningSecret(webhook.signing);
    const previousExpiresAt = now + PREVIOUS_SECRET_GRACE_S;
    const secrets = [this.stored(webhook.id, secret, now, null), { ...webhook.secrets[0], expires_at: previousExpiresAt }];
    if (!(await this.webhooks.replaceSecrets(webhook.id, secrets))) throw new NotFoundError('webhook-not-found', 'webhook', webhookId);
    webhook.secrets = secrets;
    return { webhook, secret, previousExpiresAt };
  }

  /**
   * A delivery to a webhook URL: the token must name an active webhook (else 404), the webhook must be under its
   * rate limit (429), the signature must verify (401, nothing started), then the run is admitted as an execute
   * with `Prefer: respond-async` would be, its row committed before this returns. A redelivery (same
   * Idempotency-Key, X-GitHub-Delivery or webhook-id) answers the run the first delivery started.
   */
  async deliver(token: string, delivery: WebhookDelivery): Promise<PluginExecutionEntity> {
    const webhook = WEBHOOK_TOKEN_PATTERN.test(token) ? await this.webhooks.findActiveByTokenHash(hashToken(token)) : null;
    if (!webhook) throw new NotFoundError('webhook-not-found', 'webhook', 'with this token');
    const retryAfter = this.limiter.take(webhook.id);
    if (retryAfter !== null) throw new WebhookRateLimitedError(this.limiter.max, retryAfter);
    if (webhook.signing) {
      const secrets = this.activeSecrets(webhook);
      if (!(await verifySignature(webhook.signing, secrets, delivery.rawBody, delivery.headers, this.clock.nowSeconds()))) {
        throw new WebhookSignatureError(
          webhook.signing === 'github'
            ? 'X-Hub-Signature-256 is missing or does not match the body signed with the webhook secret'
            : 'webhook-id, webhook-timestamp or webhook-signature is missing, the timestamp is more than 5 minutes away from now, or no signature matches the webhook secret',
        );
      }
    }
    const deliveryKey = this.deliveryKeyOf(delivery.headers);
    const execution = await this.executions.execute(
      webhook.instance_id,
      { type: 'webhook', webhook_id: webhook.id, payload: delivery.payload },
      { async: true, idempotencyKey: deliveryKey ? `webhook:${webhook.id}:${deliveryKey}` : undefined, principal: WEBHOOK_DELIVERY },
    );
    await this.webhooks.touch(webhook.id, this.clock.nowSeconds()).catch((error: Error) => this.logger.warn(`webhook ${webhook.id}: last_used_at not updated: ${error.message}`));
    return execution;
  }

  private async get(instanceId: string, webhookId: string): Promise<PluginWebhookEntity> {
    await this.instances.get(instanceId);
    const webhook = await this.webhooks.findOfInstance(instanceId, webhookId);
    if (!webhook) throw new NotFoundError('webhook-not-found', 'webhook', webhookId);
    return webhook;
  }

  /** The secrets that verify now: the current one, and the previous one until its deadline. */
  private activeSecrets(webhook: PluginWebhookEntity): string[] {
    const now = this.clock.nowSeconds();
    const open: string[] = [];
    for (const stored of webhook.secrets ?? []) {
      if (stored.expires_at !== null && stored.expires_at <= now) continue;
      try {
        open.push(this.secrets.openValue(stored.sealed, aadOf(webhook.id)) as string);
      } catch (error) {
        this.logger.error(`webhook ${webhook.id}: a signing secret cannot be decrypted: ${(error as Error).message}`);
      }
    }
    return open;
  }

  private stored(webhookId: string, secret: string, now: number, expiresAt: number | null): StoredWebhookSecret {
    return { sealed: this.secrets.sealValue(secret, aadOf(webhookId)), created_at: now, expires_at: expiresAt };
  }

  /** The delivery's id, by the first header a sender sets: Idempotency-Key, X-GitHub-Delivery, webhook-id. */
  private deliveryKeyOf(headers: WebhookDelivery['headers']): string | undefined {
    for (const name of ['idempotency-key', 'x-github-delivery', 'webhook-id']) {
      const value = headerOf(headers, name);
      if (value === undefined) continue;
      if (!DELIVERY_KEY.test(value)) {
        throw new ValidationFailedError(`${name} must be 1 to 200 printable ASCII characters without spaces`, [{ path: `/headers/${name}`, message: 'must be 1 to 200 printable ASCII characters without spaces' }]);
      }
      return value;
    }
    return undefined;
  }
}

/** 429 for one webhook over WEBHOOK_RATE_LIMIT_MAX; `retryAfter` for the Retry-After header. */
export class WebhookRateLimitedError extends RateLimitedError {
  constructor(
    max: number,
    readonly retryAfter: number,
  ) {
    super(max, '60 s for this webhook', retryAfter);
  }
}
