import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `pif_` + 32 random bytes in base64url (43 characters). */
export const TOKEN_PATTERN = /^pif_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 'pif_'.length + 6;

/** `prefix` + 32 random bytes in base64url: the shape of every token this service hands out (API keys, webhook URLs). */
export const randomToken = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

export function generateToken(): { token: string; hash: string; prefix: string } {
  const token = randomToken('pif_');
  return { token, hash: hashToken(token), prefix: token.slice(0, PREFIX_LENGTH) };
}

/**
 * SHA-256, unsalted and fast, on purpose: tokens carry 256 bits of randomness, so there is nothing to
 * guess or precompute (slow password hashes exist for low-entropy secrets), and verifying stays cheap
 * on every request.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The token from an `Authorization: Bearer <token>` header, or why there is none. */
export function bearerTokenOf(header: string | undefined): { token: string } | { problem: 'missing' | 'malformed' } {
  if (header === undefined || header === '') return { problem: 'missing' };
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match || !TOKEN_PATTERN.test(match[1])) return { problem: 'malformed' };
  return { token: match[1] };
}
