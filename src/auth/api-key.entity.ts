import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { jsonText, realNumber } from '../database/json.transformer';
import { Scope } from './scopes';

/** `api_keys`: one row per key. The token itself is never stored, only its SHA-256 and a display prefix. */
@Entity({ name: 'api_keys' })
@Index('idx_api_keys_created', ['created_at', 'id'])
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Index('uq_api_keys_name', { unique: true })
  @Column({ type: 'text' })
  name: string;

  /** The token's first characters (`pif_` + 6), enough to recognise it in a list. */
  @Column({ type: 'text' })
  prefix: string;

  /** Hex SHA-256 of the whole token. */
  @Index('uq_api_keys_hash', { unique: true })
  @Column({ type: 'text' })
  hash: string;

  @Column({ type: 'text', transformer: jsonText })
  scopes: Scope[];

  @Column({ type: 'real', transformer: realNumber })
  created_at: number;

  @Column({ type: 'real', nullable: true, transformer: realNumber })
  last_used_at: number | null;

  @Column({ type: 'real', nullable: true, transformer: realNumber })
  expires_at: number | null;

  @Column({ type: 'real', nullable: true, transformer: realNumber })
  revoked_at: number | null;
}

/** Usable now: not revoked and not past its expiry. */
export const isActiveKey = (key: Pick<ApiKeyEntity, 'revoked_at' | 'expires_at'>, nowSeconds: number): boolean =>
  key.revoked_at === null && (key.expires_at === null || key.expires_at > nowSeconds);
