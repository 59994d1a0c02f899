import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { FieldError } from '../common/domain-errors';
import type { ChannelType } from './notification-channel.entity';

/** A channel's config as sent: webhook `{url, secret?}`, slack `{webhook_url}`. */
export type ChannelConfigInput = { url: string; secret: string } | { webhook_url: string };

const MAX_URL = 2000;
const ALLOWED_KEYS: Record<ChannelType, string[]> = { webhook: ['url', 'secret'], slack: ['webhook_url'] };

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateChannelSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function urlError(value: unknown, path: string): FieldError | null {
  if (typeof value !== 'string' || value.length > MAX_URL) return { path, message: `must be an http(s) URL of at most ${MAX_URL} characters` };
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? null : { path, message: 'must be an http(s) URL' };
  } catch {
    return { path, message: 'must be an http(s) URL' };
  }
}

/**
 * Checks a channel's config for its type; the answer is either the field errors (JSON Pointers under `/config`)
 * or the config with a webhook's missing secret generated. Private addresses are not refused here: the outbound
 * guard refuses them when a notification is sent, as it does for every request this server makes.
 */
export function checkChannelConfig(type: ChannelType, config: Record<string, unknown>): { errors: FieldError[] } | { config: ChannelConfigInput; generatedSecret: boolean } {
  const errors: FieldError[] = Object.keys(config)
    .filter((key) => !ALLOWED_KEYS[type].includes(key))
    .map((key) => ({ path: `/config/${key}`, message: `is not a ${type} channel setting (allowed: ${ALLOWED_KEYS[type].join(', ')})` }));
  if (type === 'slack') {
    const error = urlError(config.webhook_url, '/config/webhook_url');
    if (error) errors.push(error);
    return errors.length ? { errors } : { config: { webhook_url: config.webhook_url as string }, generatedSecret: false };
  }
  const error = urlError(config.url, '/config/url');
  if (error) errors.push(error);
  if (config.secret !== undefined && !isStandardSecret(config.secret)) errors.push({ path: '/config/secret', message: 'must be a Standard Webhooks secret: whsec_ followed by base64' });
  if (errors.length) return { errors };
  const secret = typeof config.secret === 'string' ? config.secret : generateChannelSecret();
  return { config: { url: config.url as string, secret }, generatedSecret: config.secret === undefined };
}

function isStandardSecret(value: unknown): boolean {
  if (typeof value !== 'string' || !/^whsec_[A-Za-z0-9+/]{22,}={0,2}$/.test(value)) return false;
  try {
    new Webhook(value);
    return true;
  } catch {
    return false;
  }
}
