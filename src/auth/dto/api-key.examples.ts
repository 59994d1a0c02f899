import { ApiExamples, EXAMPLE_IDS } from '../../common/api-examples';
import { ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-key.dto';

const ACTIVE_KEY: ApiKeyDto = {
  id: EXAMPLE_IDS.apiKey,
  name: 'ci-nightly',
  prefix: 'pif_q3Xv9L',
  scopes: ['read', 'execute'],
  state: 'active',
  created_at: '2026-11-24T10:00:00.000Z',
  last_used_at: '2026-11-24T10:15:30.000Z',
  expires_at: '2027-01-01T00:00:00.000Z',
  revoked_at: null,
};

const REVOKED_KEY: ApiKeyDto = {
  id: '0c9e7d21-4b8a-4f6e-9d3c-7a1b5e2f8c40',
  name: 'old-dashboard',
  prefix: 'pif_Zt81mQ',
  scopes: ['read'],
  state: 'revoked',
  created_at: '2026-10-01T08:00:00.000Z',
  last_used_at: '2026-11-02T17:41:00.000Z',
  expires_at: null,
  revoked_at: '2026-11-03T09:00:00.000Z',
};

export const API_KEY_EXAMPLES: ApiExamples<ApiKeyDto> = {
  active: { summary: 'A key in use', value: ACTIVE_KEY },
};

export const API_KEY_PAGE_EXAMPLES: ApiExamples<ApiKeyPageDto> = {
  keys: { summary: 'Every key, newest first, revoked ones included', value: { items: [ACTIVE_KEY, REVOKED_KEY], next_cursor: null } },
};

export const CREATE_API_KEY_EXAMPLES: ApiExamples<CreateApiKeyDto> = {
  ci: { summary: 'A key for a nightly CI job, expiring at the new year', value: { name: 'ci-nightly', scopes: ['read', 'execute'], expires_at: '2027-01-01T00:00:00Z' } },
};

export const CREATED_API_KEY_EXAMPLES: ApiExamples<CreatedApiKeyDto> = {
  created: {
    summary: 'Created: the token is shown this once',
    value: { ...ACTIVE_KEY, last_used_at: null, token: 'pif_q3Xv9LbT0k2mWc8pR1sYzA4nH6uJ7eD5fG0iK9oL3qE' },
  },
};
