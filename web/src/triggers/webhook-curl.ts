/** How a webhook's deliveries are signed: null for none (the URL token alone is the credential). */
export type Signing = 'github' | 'standard' | null;

/** The body of the test delivery the copyable command sends. */
export const TEST_BODY = '{"test": true}';

/** A word for the shell in single quotes: safe whatever it holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The absolute URL of a webhook: the API answers a path (`/api/hooks/whk_…`); the sender needs this server's origin in front. */
export function absoluteUrl(path: string, origin: string): string {
  return new URL(path, origin).toString();
}

/** What the sender has to put in each request, in words, for the signing scheme. */
export function signingSteps(signing: Signing): string[] {
  if (signing === 'github') {
    return [
      'Compute the HMAC-SHA256 of the raw request body, keyed with the signing secret, as lowercase hex.',
      'Send it as the header X-Hub-Signature-256: sha256=<that hex>.',
      'GitHub does this itself: paste the URL as the Payload URL, choose application/json, and paste the signing secret as the Secret.',
    ];
  }
  if (signing === 'standard') {
    return [
      'Pick a unique message id (webhook-id) and take the current time in seconds (webhook-timestamp); the server refuses timestamps more than 5 minutes off.',
      'Compute the HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>", keyed with the base64-decoded part of the signing secret after whsec_, as base64.',
      'Send it as webhook-signature: v1,<that base64>, with the webhook-id and webhook-timestamp headers. Any Standard Webhooks library does all of this.',
    ];
  }
  return ['Nothing to sign: the token in the URL is the credential, so keep the URL as secret as a password.'];
}

/**
 * A shell script (bash or zsh, with curl and openssl) that sends one test delivery to the webhook, signed as its
 * scheme wants. The secret goes into the script, so it is shown only where the secret itself is shown: once.
 */
export function testDeliveryScript({ url, signing, secret }: { url: string; signing: Signing; secret?: string }): string {
  const curl = (headers: string[], data: string) => [`curl -i -X POST ${shellQuote(url)}`, `-H 'content-type: application/json'`, ...headers, `--data-raw ${data}`].join(' \\\n  ');
  if (signing === 'github') {
    return [
      `secret=${shellQuote(secret ?? '')}`,
      `body=${shellQuote(TEST_BODY)}`,
      `signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)`,
      curl([`-H "X-Hub-Signature-256: sha256=$signature"`, `-H "X-GitHub-Delivery: test-$(date +%s)"`], '"$body"'),
    ].join('\n');
  }
  if (signing === 'standard') {
    return [
      `secret=${shellQuote(secret ?? '')}`,
      `body=${shellQuote(TEST_BODY)}`,
      `id="msg_test_$(date +%s)"`,
      `timestamp=$(date +%s)`,
      `key=$(printf '%s' "\${secret#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \\n')`,
      `signature=$(printf '%s' "$id.$timestamp.$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64)`,
      curl([`-H "webhook-id: $id"`, `-H "webhook-timestamp: $timestamp"`, `-H "webhook-signature: v1,$signature"`], '"$body"'),
    ].join('\n');
  }
  return curl([], shellQuote(TEST_BODY));
}
