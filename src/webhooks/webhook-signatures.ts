import { randomBytes } from 'node:crypto';
import { verifyWithFallback } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import type { WebhookSigning } from './webhook.entity';

/**
 * Signature checks in the schemes senders already speak, by the libraries made for them (nothing here computes
 * an HMAC by hand):
 * - `github`: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, by @octokit/webhooks-methods
 *   (4.x, its last CommonJS line: 5 and later are ESM only, which this CommonJS build cannot require).
 * - `standard`: the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`
 *   over `id.timestamp.body`), by the `standardwebhooks` package. Its 5-minute timestamp tolerance is the
 *   library's own check and reads the system time (`Date.now()`): the package offers no way to pass a time or a
 *   clock, so this check, unlike the scheduler, does not follow the injectable Clock.
 */

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
 * previous one). Never throws for anything a sender sends.
 */
export async function verifySignature(signing: WebhookSigning, secrets: readonly string[], body: Buffer, headers: Headers): Promise<boolean> {
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
  if (!id || !timestamp || !signature) return false;
  for (const secret of secrets) {
    try {
      // jsonParse off: form and text bodies are signed too, and the body is parsed elsewhere.
      new Webhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature }, { jsonParse: false });
      return true;
    } catch {
      // wrong secret, stale timestamp or malformed headers: try the next secret
    }
  }
  return false;
}
