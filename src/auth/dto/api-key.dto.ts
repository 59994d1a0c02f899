import { ApiProperty } from '@nestjs/swagger';
import { DateTimeField, EnumArrayField, QueryIntField, StringField } from '../../common/field.decorators';
import { PageDtoOf } from '../../common/page.dto';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../common/pagination';
import { epochSecondsToIso } from '../../common/time';
import { ApiKeyEntity } from '../api-key.entity';
import { Scope, SCOPES } from '../scopes';

export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const EXAMPLE_KEY_ID = '6b1f0d4e-2c3a-4b5d-8e9f-0a1b2c3d4e5f';

export class CreateApiKeyDto {
  @StringField({
    description: 'Unique name: letters, digits, `.`, `_` and `-`, starting with a letter or digit (also among revoked keys).',
    example: 'ci-nightly',
    minLength: 1,
    maxLength: 64,
    pattern: KEY_NAME_PATTERN,
    patternMessage: 'name must be letters, digits, ".", "_" or "-", starting with a letter or digit',
  })
  name: string;

  @EnumArrayField(SCOPES, { description: 'What the key may do: read, write (instances), execute (runs), admin (keys; implies all).', example: ['read', 'execute'] })
  scopes: Scope[];

  @DateTimeField({ description: 'When the key stops working (in the future); omit or null for a key that does not expire.', example: '2027-01-01T00:00:00Z', optional: true, nullable: true })
  expires_at?: string | null;
}

export class ListApiKeysQueryDto {
  @QueryIntField({ description: 'Page size.', example: 50, min: 1, max: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  limit?: number;

  @StringField({ description: 'The `next_cursor` of the previous page.', optional: true, maxLength: 1000 })
  cursor?: string;
}

/** An API key as listed: never its token or hash. */
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_KEY_ID })
  id: string;

  @ApiProperty({ example: 'ci-nightly' })
  name: string;

  @ApiProperty({ description: "The token's first characters, to recognise it.", example: 'pif_q3Xv9L' })
  prefix: string;

  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...SCOPES] }, example: ['read', 'execute'] })
  scopes: Scope[];

  @ApiProperty({ enum: ['active', 'expired', 'revoked'], enumName: 'ApiKeyState', description: 'active: usable; expired: past expires_at; revoked: revoked (final).', example: 'active' })
  state: 'active' | 'expired' | 'revoked';

  @ApiProperty({ format: 'date-time', example: '2026-11-24T10:00:00.000Z' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last request made with it (updated at most once a minute).', example: '2026-11-24T10:15:30.000Z' })
  last_used_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: never expires.', example: null })
  expires_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  revoked_at: string | null;

  static from(entity: ApiKeyEntity, nowSeconds = Date.now() / 1000): ApiKeyDto {
    return {
      id: entity.id,
      name: entity.name,
      prefix: entity.prefix,
      scopes: entity.scopes,
      state: entity.revoked_at !== null ? 'revoked' : entity.expires_at !== null && entity.expires_at <= nowSeconds ? 'expired' : 'active',
      created_at: epochSecondsToIso(entity.created_at),
      last_used_at: epochSecondsToIso(entity.last_used_at),
      expires_at: epochSecondsToIso(entity.expires_at),
      revoked_at: epochSecondsToIso(entity.revoked_at),
    };
  }
}

/** The answer to creating a key: the only time the token is shown. */
export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The secret: send it as `Authorization: Bearer <token>`. Shown once; only its hash is stored.', example: 'pif_q3Xv9LbT0k2mWc8pR1sYzA4nH6uJ7eD5fG0iK9oL3qE' })
  token: string;
}

export class ApiKeyPageDto extends PageDtoOf(ApiKeyDto) {}
