import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import addressparser from 'nodemailer/lib/addressparser';
import { Webhook } from 'standardwebhooks';
import type { FieldError } from '../common/domain-errors';
import { isHostname } from '../outbound-http/address-policy';
import { ChannelType, SMTP_SECURITY, SmtpSecurity } from './notification-channel.entity';


/** An email channel's config after the check: defaults filled in, recipients without duplicates. */
export interface EmailConfigInput {
  host: string;
  port: number;
  security: SmtpSecurity;
  username?: string;
  /** Absent with a username: keep the stored password (an update that does not repeat it). */
  password?: string;
  from: string;
  to: string[];
}

/** A channel's config as sent: webhook `{url, secret?}`, slack `{webhook_url}`, email (see EmailConfigInput). */
export type ChannelConfigInput = { url: string; secret: string } | { webhook_url: string } | EmailConfigInput;

const MAX_URL = 2000;
const MAX_RECIPIENTS = 50;
const MAX_USERNAME = 255;
const MAX_PASSWORD = 1000;
// Line breaks and other control characters have no place in an SMTP login or an address header.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F]/;
const ALLOWED_KEYS: Record<ChannelType, string[]> = {
  webhook: ['url', 'secret'],
  slack: ['webhook_url'],
  email: ['host', 'port', 'security', 'username', 'password', 'from', 'to'],
};

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
 * or the config with a webhook's missing secret generated and an email's defaults filled in. Private addresses
 * are not refused here: the outbound guard refuses them when a notification is sent, as it does for every request
 * this server makes. `passwordStored`: the channel being updated has an SMTP password, so a username may come
 * without one (the stored one is kept).
 */
export function checkChannelConfig(
  type: ChannelType,
  config: Record<string, unknown>,
  options: { passwordStored?: boolean } = {},
): { errors: FieldError[] } | { config: ChannelConfigInput; generatedSecret: boolean } {
  const errors: FieldError[] = Object.keys(config)
    .filter((key) => !ALLOWED_KEYS[type].includes(key))
    .map((key) => ({ path: `/config/${key}`, message: `is not a ${type} channel setting (allowed: ${ALLOWED_KEYS[type].join(', ')})` }));
  if (type === 'email') {
    const checked = checkEmailConfig(config, options.passwordStored ?? false, errors);
    return errors.length || !checked ? { errors } : { config: checked, generatedSecret: false };
  }
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

/** An email config's fields, each error pushed onto `errors`; null when any field is wrong. */
function checkEmailConfig(config: Record<string, unknown>, passwordStored: boolean, errors: FieldError[]): EmailConfigInput | null {
  const before = errors.length;
  const fail = (field: string, message: string) => void errors.push({ path: `/config/${field}`, message });

  const host = smtpHost(config.host);
  if (host === null) fail('host', 'must be a hostname or an IP address, at most 253 characters');

  let security: SmtpSecurity = 'starttls';
  if (config.security !== undefined) {
    if (SMTP_SECURITY.includes(config.security as SmtpSecurity)) security = config.security as SmtpSecurity;
    else fail('security', `must be one of ${SMTP_SECURITY.join(', ')}`);
  }

  let port = security === 'tls' ? 465 : 587;
  if (config.port !== undefined) {
    if (Number.isInteger(config.port) && (config.port as number) >= 1 && (config.port as number) <= 65535) port = config.port as number;
    else fail('port', 'must be an integer from 1 to 65535');
  }

  const { username, password } = config;
  if (username !== undefined && (typeof username !== 'string' || username.length === 0 || username.length > MAX_USERNAME || CONTROL.test(username))) {
    fail('username', `must be a non-empty string of at most ${MAX_USERNAME} characters, without control characters`);
  }
  if (password !== undefined && (typeof password !== 'string' || password.length === 0 || password.length > MAX_PASSWORD)) {
    fail('password', `must be a non-empty string of at most ${MAX_PASSWORD} characters`);
  }
  if (username !== undefined && password === undefined && !passwordStored) fail('password', 'is required with username');
  if (password !== undefined && username === undefined) fail('username', 'is required with password');

  if (config.from === undefined) fail('from', 'is required: the sender address');
  else if (!mailbox(config.from)) fail('from', MAILBOX_MESSAGE);

  const to: string[] = [];
  if (!Array.isArray(config.to) || config.to.length === 0 || config.to.length > MAX_RECIPIENTS) {
    fail('to', `must be a list of 1 to ${MAX_RECIPIENTS} email addresses`);
  } else {
    const seen = new Set<string>();
    config.to.forEach((entry: unknown, index) => {
      const parsed = mailbox(entry);
      if (!parsed) return fail(`to/${index}`, MAILBOX_MESSAGE);
      // The same mailbox twice (case aside, or once with a display name) is sent once.
      const key = parsed.address.toLowerCase();
      if (!seen.has(key)) to.push((entry as string).trim());
      seen.add(key);
    });
  }

  if (errors.length > before || host === null) return null;
  return {
    host,
    port,
    security,
    ...(username !== undefined ? { username: username as string } : {}),
    ...(password !== undefined ? { password: password as string } : {}),
    from: (config.from as string).trim(),
    to,
  };
}

/** A hostname or an IP literal (an IPv6 one with or without brackets, kept without). */
function smtpHost(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253) return null;
  const bare = /^\[.*\]$/.test(value) ? value.slice(1, -1) : value;
  if (isIP(bare)) return bare;
  return bare === value && isHostname(value) ? value : null;
}

const MAILBOX_MESSAGE = 'must be one email address: addr@example.org or Name <addr@example.org>';
const MAX_MAILBOX = 320;
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * One mailbox, `addr@host` or `Name <addr@host>`, parsed as nodemailer will parse it when sending. A display
 * name needs the angle brackets, so a typo such as `ops team@x.org` is not read as name `ops` and address `team@x.org`.
 */
function mailbox(value: unknown): { name: string; address: string } | null {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_MAILBOX || CONTROL.test(value)) return null;
  const parsed = addressparser(value);
  if (parsed.length !== 1 || !('address' in parsed[0])) return null;
  const { name, address } = parsed[0];
  if (name && !value.includes('<')) return null;
  const at = address.lastIndexOf('@');
  if (at < 1 || address.length > 254) return null;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  return local.length <= 64 && LOCAL_PART.test(local) && isHostname(domain) ? { name, address } : null;
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
