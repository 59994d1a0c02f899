import { isIP } from 'node:net';
import { Injectable } from '@nestjs/common';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { Webhook } from 'standardwebhooks';
import { OutboundHttpService } from '../outbound-http/outbound-http.service';
import { SecretsService } from '../secrets/secrets.service';
import { channelSecretAad, NotificationChannelEntity, StoredEmailConfig } from './notification-channel.entity';
import { describeNotification } from './notification-message';
import type { NotificationPayload } from './notification-outbox.entity';

/**
 * How one attempt went: delivered on a 2xx (webhook, Slack) or when the SMTP server accepts the message (email);
 * otherwise the HTTP status or SMTP reply code when there was one, and the error.
 */
export interface SendResult {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
}

const SEND_TIMEOUT_MS = 10_000;
const MAX_ERROR = 500;

/**
 * Sends one message to one channel, through the outbound guard (a private address is refused unless
 * FETCH_ALLOW_HOSTS / FETCH_ALLOW_PRIVATE allow it). webhook: the JSON payload signed per Standard Webhooks,
 * `messageId` as `webhook-id` (the same on every retry, so receivers can drop repeats); slack: `{text}`;
 * email: SMTP through nodemailer, the subject and text from describeNotification.
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
      if ('host' in channel.config) return await this.sendEmail(channel.config, aad, messageId, payload);
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
        const { subject, text } = describeNotification(payload);
        body = JSON.stringify({ text: slackEscape(`${subject}\n${text}`) });
      }
      const response = await this.outbound.fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
      await response.arrayBuffer().catch(() => undefined);
      const delivered = response.status >= 200 && response.status < 300;
      return { delivered, statusCode: response.status, error: delivered ? null : `answered ${response.status}` };
    } catch (error) {
      return { delivered: false, statusCode: null, error: (error as Error).message.slice(0, MAX_ERROR) };
    }
  }

  /**
   * One SMTP session, closed afterwards. nodemailer opens its own sockets, so the host is resolved and checked
   * here by the outbound guard and nodemailer is given the checked address, with the hostname kept for TLS (SNI
   * and certificate check): DNS answering differently at connect time cannot slip a blocked address in.
   */
  private async sendEmail(config: StoredEmailConfig, aad: string, messageId: string, payload: NotificationPayload): Promise<SendResult> {
    const { address } = await this.outbound.resolveAllowed(config.host);
    const transport = nodemailer.createTransport({
      host: address,
      port: config.port,
      secure: config.security === 'tls',
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'none',
      connectionTimeout: SEND_TIMEOUT_MS,
      greetingTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
      ...(isIP(config.host) ? {} : { tls: { servername: config.host } }),
      ...(config.username !== undefined && config.password !== undefined ? { auth: { user: config.username, pass: this.secrets.openValue(config.password, aad) as string } } : {}),
    });
    try {
      const { subject, text } = describeNotification(payload);
      // The outbox id as Message-ID: every retry of one message carries the same, so mail systems can drop repeats.
      const info = await transport.sendMail({ from: config.from, to: config.to, subject, text, messageId: `<${messageId}@${domainOf(config.from)}>` });
      const refused = info.rejected.map((recipient) => (typeof recipient === 'string' ? recipient : recipient.address));
      return { delivered: true, statusCode: replyCode(info.response), error: refused.length > 0 ? `accepted, but the server refused ${refused.join(', ')}`.slice(0, MAX_ERROR) : null };
    } catch (error) {
      const failure = error as Error & { responseCode?: number; command?: string };
      let message = failure.message;
      // The server answered STARTTLS with an error (a failed handshake has no reply code): it does not offer it.
      if (failure.command === 'STARTTLS' && failure.responseCode) message += ' (security "starttls" needs the server to offer STARTTLS; "tls" connects with TLS from the start, usually on port 465)';
      return { delivered: false, statusCode: typeof failure.responseCode === 'number' ? failure.responseCode : null, error: message.slice(0, MAX_ERROR) };
    } finally {
      transport.close();
    }
  }
}

/** Slack reads `&`, `<` and `>` as markup: escaped, a name or an error message shows as written. */
const slackEscape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The SMTP reply code at the start of a server response (`250 OK: queued`), or null. */
function replyCode(response: string | undefined): number | null {
  const match = /^(\d{3})\b/.exec(response ?? '');
  return match ? Number(match[1]) : null;
}

/** The domain of a checked sender address (`Name <addr@example.org>` -> example.org). */
function domainOf(from: string): string {
  const [parsed] = addressparser(from, { flatten: true });
  return parsed.address.slice(parsed.address.lastIndexOf('@') + 1);
}
