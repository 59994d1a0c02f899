import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { ConflictError, NotFoundError, ValidationFailedError } from '../common/domain-errors';
import { KeysetQuery, keysetPage, Page } from '../common/pagination';
import { nowEpochSeconds } from '../common/time';
import { TransactionService } from '../database/transaction.service';
import { isUniqueViolation } from '../database/unique-violation';
import { AccessService } from './access.service';
import { ApiKeyEntity } from './api-key.entity';
import { normaliseScopes, Scope } from './scopes';
import { generateToken } from './tokens';

export interface NewApiKey {
  name: string;
  scopes: readonly Scope[];
  /** Epoch seconds; null or omitted: never expires. */
  expiresAt?: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates, lists and revokes API keys; shared by the keys API and `npm run keys`. */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly transactions: TransactionService,
    private readonly access: AccessService,
  ) {}

  /** The new key and its token; the token is not stored and cannot be shown again. */
  async create(request: NewApiKey): Promise<{ key: ApiKeyEntity; token: string }> {
    const now = nowEpochSeconds();
    const scopes = normaliseScopes(request.scopes);
    if (scopes.length === 0) throw new ValidationFailedError('scopes must name at least one of read, write, execute, admin', [{ path: '/scopes', message: 'at least one scope' }]);
    if (request.expiresAt != null && request.expiresAt <= now) {
      throw new ValidationFailedError('expires_at must be in the future', [{ path: '/expires_at', message: 'must be in the future' }]);
    }
    const { token, hash, prefix } = generateToken();
    const key = this.keys.create({
      id: randomUUID(),
      name: request.name,
      prefix,
      hash,
      scopes,
      created_at: now,
      last_used_at: null,
      expires_at: request.expiresAt ?? null,
      revoked_at: null,
    });
    try {
      await this.transactions.run(async (manager) => {
        if (await manager.exists(ApiKeyEntity, { where: { name: request.name } })) throw this.nameTaken(request.name);
        await manager.insert(ApiKeyEntity, key);
      });
    } catch (error) {
      if (isUniqueViolation(error, { index: 'uq_api_keys_name', column: 'name' })) throw this.nameTaken(request.name);
      throw error;
    }
    this.access.forget();
    return { key, token };
  }

  list(query: KeysetQuery): Promise<Page<ApiKeyEntity>> {
    return keysetPage(this.keys.createQueryBuilder('k'), 'k', query);
  }

  async get(id: string): Promise<ApiKeyEntity> {
    const key = UUID.test(id) ? await this.keys.findOneBy({ id }) : null;
    if (!key) throw new NotFoundError('key-not-found', 'API key', id);
    return key;
  }

  /** A key by id or, failing that, by name (for the CLI). */
  async find(idOrName: string): Promise<ApiKeyEntity> {
    const key = (UUID.test(idOrName) ? await this.keys.findOneBy({ id: idOrName }) : null) ?? (await this.keys.findOneBy({ name: idOrName }));
    if (!key) throw new NotFoundError('key-not-found', 'API key', idOrName);
    return key;
  }

  /** Revokes a key at once; revoking a revoked key changes nothing. */
  async revoke(id: string): Promise<ApiKeyEntity> {
    const key = await this.get(id);
    if (key.revoked_at === null) {
      key.revoked_at = nowEpochSeconds();
      await this.transactions.run((manager) => manager.update(ApiKeyEntity, { id: key.id, revoked_at: IsNull() }, { revoked_at: key.revoked_at! }));
    }
    this.access.forget();
    return key;
  }

  private nameTaken(name: string): ConflictError {
    return new ConflictError('key-name-taken', `an API key named '${name}' already exists`);
  }
}
