import { Injectable } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { OutboundHttpService } from '../outbound-http/outbound-http.service';
import { SecretsService } from '../secrets/secrets.service';
import { NotificationChannelEntity } from './notification-channel.entity';
import { channelSecretAad } from './notification-channels.service';
import type { NotificationPayload } from './notification-outbox.entity';

/** How one attempt went: delivered on a 2xx; otherwise the status code or the error. */
export interface SendResult {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
}

const SEND_TIMEOUT_MS = 10_000;

/**
 * Sends one message to one channel, through the outbound guard (a private address is refused unless
 * FETCH_ALLOW_HOSTS / FETCH_ALLOW_PRIVATE allow it). webhook: the JSON payload signed per Standard Webhooks,
 * `messageId` as `webhook-id` (the same on every retry, so receivers can drop repeats); slack: `{text}`.
 */
@Injectable()
export class NotificationSender {
  constructor(
    private readonly outbound: OutboundHttpService,
    private readonly secrets: SecretsService,
  ) {}

  async send(channel: NotificationChannelEntity, messageId: string, payload: NotificationPayload): Promise<SendResult> {
    try {
      const aad = channelSecretAad(channel.id);
      let url: string;
      let body: string;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if ('url' in channel.config) {
        url = channel.config.url;
        body = JSON.stringify(payload);
        // The system time, not the Clock: receivers check the timestamp against their own clock.
        const at = new Date();
        headers['webhook-id'] = messageId;
        headers['webhook-timestamp'] = String(Math.floor(at.getTime() / 1000));
        headers['webhook-signature'] = new Webhook(this.secrets.openValue(channel.config.secret, aad) as string).sign(messageId, at, body);
      } else {
        url = this.secrets.openValue(channel.config.webhook_url, aad) as string;
        body = JSON.stringify({ text: slackText(payload) });
      }
      const response = await this.outbound.fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
      await response.arrayBuffer().catch(() => undefined);
      const delivered = response.status >= 200 && response.status < 300;
      return { delivered, statusCode: response.status, error: delivered ? null : `answered ${response.status}` };
    } catch (error) {
      return { delivered: false, statusCode: null, error: (error as Error).message.slice(0, 500) };
    }
  }
}

function slackText(payload: NotificationPayload): string {
  const data = payload.data;
  if (payload.type === 'notification.test') return 'Test notification from the Plugin Instance Framework.';
  const error = data.error as { message?: string } | null;
  return `Run ${String(data.execution_id)} of instance ${String(data.instance_id)} (${String(data.template_id)}) ${String(data.status)}${error?.message ? `: ${error.message}` : ''}`;
}
