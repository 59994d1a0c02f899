import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { ForbiddenError, UnauthorizedError } from '../common/domain-errors';
import { nowEpochSeconds } from '../common/time';
import { Settings } from '../config/settings';
import { TransactionService } from '../database/transaction.service';
import { ApiKeyEntity } from './api-key.entity';
import { isLoopbackAddress, isLoopbackHost } from './loopback';
import { ANONYMOUS_AUTH_NONE, ANONYMOUS_LOOPBACK, Principal } from './principal';
import { bearerTokenOf, hashToken, sameHash } from './tokens';

/** last_used_at is a hint, not an audit log: written at most this often per key. */
const LAST_USED_WRITE_INTERVAL_S = 60;
/** Bound on cached keys; past it the cache starts over. */
const MAX_CACHED_KEYS = 10_000;

interface CachedKey {
  principal: Principal;
  hash: string;
  expiresAt: number | null;
  lastUsedAt: number | null;
  cachedUntilMs: number;
}

/** Refuses to serve beyond loopback with nobody able to authenticate. */
export class UnsafeBindError extends Error {
  constructor(host: string) {
    super(
      `refusing to listen on HOST=${host}: no API key exists, so anyone who can reach it could use the API. ` +
        'Create one (npm run keys -- create --name admin --scopes admin), bind to 127.0.0.1, or set AUTH=none to serve without authentication.',
    );
    this.name = 'UnsafeBindError';
  }
}

/**
 * Turns a request's credentials into a Principal. Verified keys and the "does any active key exist?"
 * answer are cached for AUTH_CACHE_MS so a request costs no extra query; changes made through this
 * process (the keys API) clear the cache at once, changes from another process (the CLI) are seen
 * within AUTH_CACHE_MS.
 */
@Injectable()
export class AccessService {
  private readonly logger = new Logger('Access');
  private readonly verified = new Map<string, CachedKey>();
  private activeKeys: { exists: Promise<boolean>; untilMs: number } | null = null;

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly transactions: TransactionService,
    private readonly settings: Settings,
  ) {}

  /** The caller of a request, or a 401/403 domain error. */
  async principalFor(authorization: string | undefined, remoteAddress: string | undefined): Promise<Principal> {
    if (this.settings.authMode === 'none') return ANONYMOUS_AUTH_NONE;
    const bearer = bearerTokenOf(authorization);
    if ('token' in bearer) return this.verify(bearer.token);
    if (bearer.problem === 'malformed') {
      throw new UnauthorizedError('the Authorization header must be "Bearer pif_..." with a token this server issued');
    }
    if (await this.anyActiveKey()) throw new UnauthorizedError('this server requires an API key: send Authorization: Bearer <token>');
    if (isLoopbackAddress(remoteAddress)) return ANONYMOUS_LOOPBACK;
    throw new ForbiddenError(
      'no API keys exist yet, so only requests from this machine (loopback) are served; create a key with `npm run keys -- create` and send it as Authorization: Bearer <token>',
    );
  }

  /** True while at least one key is neither revoked nor expired (cached for AUTH_CACHE_MS). */
  anyActiveKey(): Promise<boolean> {
    const nowMs = Date.now();
    if (!this.activeKeys || this.activeKeys.untilMs <= nowMs) {
      const now = nowEpochSeconds();
      const exists = this.keys.exists({ where: [{ revoked_at: IsNull(), expires_at: IsNull() }, { revoked_at: IsNull(), expires_at: MoreThan(now) }] });
      this.activeKeys = { exists, untilMs: nowMs + this.settings.authCacheMs };
      // A failed lookup is not remembered.
      exists.catch(() => (this.activeKeys = null));
    }
    return this.activeKeys.exists;
  }

  /** Forget everything cached: called when a key is created or revoked in this process. */
  forget(): void {
    this.verified.clear();
    this.activeKeys = null;
  }

  /** At boot: with AUTH=keys, a HOST beyond loopback needs at least one active key. */
  async assertSafeToListen(host: string): Promise<void> {
    if (this.settings.authMode === 'none') {
      this.logger.warn('AUTH=none: every route is open to anyone who can reach this server, without an API key');
      return;
    }
    const anyKey = await this.anyActiveKey();
    if (!anyKey && !isLoopbackHost(host)) throw new UnsafeBindError(host);
    if (!anyKey) this.logger.warn('no API keys exist: serving requests from this machine only; create one with `npm run keys -- create`');
  }

  private async verify(token: string): Promise<Principal> {
    const hash = hashToken(token);
    const nowMs = Date.now();
    const now = nowMs / 1000;
    let cached = this.verified.get(hash);
    if (!cached || cached.cachedUntilMs <= nowMs) {
      const key = await this.keys.findOneBy({ hash });
      // Looked up by digest; compared again in constant time so no comparison leaks timing.
      if (!key || !sameHash(key.hash, hash)) throw new UnauthorizedError('the API key is not known to this server');
      if (key.revoked_at !== null) throw new UnauthorizedError(`the API key '${key.name}' was revoked`);
      if (this.verified.size >= MAX_CACHED_KEYS) this.verified.clear();
      cached = {
        principal: Object.freeze({ keyId: key.id, keyName: key.name, scopes: Object.freeze([...key.scopes]), via: 'api-key' as const }),
        hash: key.hash,
        expiresAt: key.expires_at,
        lastUsedAt: key.last_used_at,
        cachedUntilMs: nowMs + this.settings.authCacheMs,
      };
      this.verified.set(hash, cached);
    }
    if (cached.expiresAt !== null && cached.expiresAt <= now) throw new UnauthorizedError(`the API key '${cached.principal.keyName}' has expired`);
    if (cached.lastUsedAt === null || now - cached.lastUsedAt >= LAST_USED_WRITE_INTERVAL_S) {
      cached.lastUsedAt = now;
      this.recordUse(cached.principal.keyId!, now);
    }
    return cached.principal;
  }

  private recordUse(keyId: string, at: number): void {
    void this.transactions
      .run((manager) => manager.update(ApiKeyEntity, { id: keyId }, { last_used_at: at }))
      .catch((error: Error) => this.logger.warn(`last_used_at of key ${keyId} not stored: ${error.message}`));
  }
}
