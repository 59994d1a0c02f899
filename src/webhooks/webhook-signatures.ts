import { randomBytes, timingSafeEqual } from 'node:crypto';
import { verifyWithFallback } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import type { WebhookSigning } from './webhook.entity';

/**
 * Signature checks in the schemes senders already speak, by the libraries made for them (nothing here computes
 * an HMAC by hand):
 * - `github`: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, by @octokit/webhooks-methods
 *   (4.x, its last CommonJS line: 5 and later are ESM only, which this CommonJS build cannot require).
 * - `standard`: the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`
 *   over `id.timestamp.body`), signed by the `standardwebhooks` package. Its own `verify` reads the system time
 *   (`Date.now()`) for the 5-minute tolerance and takes no clock, so the tolerance is checked here against the
 *   injectable Clock and the expected signature comes from the package's `sign`, compared in constant time.
 */

/** The Standard Webhooks spec's tolerance for `webhook-timestamp`, either way: older is a replay, newer is forged. */
export const STANDARD_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** A new signing secret: github takes any string (hex here); standard takes `whsec_` + base64 of the key (32 bytes). */
export function generateSigningSecret(signing: WebhookSigning): string {
  const key = randomBytes(32);
  return signing === 'github' ? key.toString('hex') : `whsec_${key.toString('base64')}`;
}

type Headers = Record<string, string | string[] | undefined>;

const headerOf = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Whether `body` carries a valid signature by any of `secrets` (the current one and, during a rotation, the
 * previous one), with a Standard Webhooks timestamp within the tolerance of `nowSeconds`. Never throws for anything
 * a sender sends.
 */
export async function verifySignature(signing: WebhookSigning, secrets: readonly string[], body: Buffer, headers: Headers, nowSeconds: number): Promise<boolean> {
  if (secrets.length === 0) return false;
  if (signing === 'github') {
    const signature = headerOf(headers, 'x-hub-signature-256');
    if (!signature) return false;
    try {
      return Boolean(await verifyWithFallback(secrets[0], body.toString('utf8'), signature, secrets.slice(1)));
    } catch {
      return false;
    }
  }
  const id = headerOf(headers, 'webhook-id');
  const timestamp = headerOf(headers, 'webhook-timestamp');
  const signature = headerOf(headers, 'webhook-signature');
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const signedAt = Number(timestamp);
  if (Math.abs(Math.floor(nowSeconds) - signedAt) > STANDARD_TIMESTAMP_TOLERANCE_SECONDS) return false;
  // Several space-separated signatures are allowed (the sender rotating its secret): any one matching will do.
  const passed = signature.split(' ').map((value) => Buffer.from(value));
  for (const secret of secrets) {
    let expected: Buffer;
    try {
      expected = Buffer.from(new Webhook(secret).sign(id, new Date(signedAt * 1000), body));
    } catch {
      continue; // a secret the package cannot read
    }
    if (passed.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) return true;
  }
  return false;
}
