import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { ApiKeysService } from '../auth/api-keys.service';
import { AuthModule } from '../auth/auth.module';
import { KEY_NAME_PATTERN } from '../auth/dto/api-key.dto';
import { normaliseScopes, SCOPES } from '../auth/scopes';
import { DomainError } from '../common/domain-errors';
import { epochSecondsToIso } from '../common/time';
import { InvalidSettingsError, loadSettings, Settings } from '../config/settings';
import { SettingsModule } from '../config/settings.module';
import { DatabaseModule } from '../database/database.module';

const USAGE = `Usage: npm run keys -- <command> [options]

Commands:
  create --name NAME --scopes SCOPES [--expires-in DURATION]   create a key and print its token (once)
  list                                                          list every key (never tokens)
  revoke <id|name>                                              revoke a key

Options:
  --scopes        comma-separated: ${SCOPES.join(', ')} (admin implies the others)
  --expires-in    e.g. 30d, 12h, 90m; default: never
  --json          print JSON instead of text
  -h, --help      this help

The database is the server's (DATA_DIR / DATABASE_URL, as for npm start); migrations run if needed.
A running server notices new and revoked keys within AUTH_CACHE_MS (default 5 s).`;

/** Wrong usage: exit status 2 with the reason and the usage. */
class UsageError extends Error {}

const DURATION = /^(\d{1,6})([smhdw])$/;
const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match || Number(match[1]) === 0) throw new UsageError(`--expires-in must be a positive number followed by s, m, h, d or w (e.g. 30d), not '${text}'`);
  return Number(match[1]) * SECONDS[match[2]];
}

function describe(key: ApiKeyEntity): Record<string, unknown> {
  const now = Date.now() / 1000;
  const state = key.revoked_at !== null ? 'revoked' : key.expires_at !== null && key.expires_at <= now ? 'expired' : 'active';
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    state,
    created_at: epochSecondsToIso(key.created_at),
    last_used_at: epochSecondsToIso(key.last_used_at),
    expires_at: epochSecondsToIso(key.expires_at),
    revoked_at: epochSecondsToIso(key.revoked_at),
  };
}

@Module({})
class KeysCliModule {
  static forRoot(settings: Settings) {
    return { module: KeysCliModule, imports: [SettingsModule.forRoot(settings), DatabaseModule, AuthModule] };
  }
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      'expires-in': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (!command) throw new UsageError('a command is needed: create, list or revoke');
  if (!['create', 'list', 'revoke'].includes(command)) throw new UsageError(`unknown command '${command}'`);
  if (command !== 'revoke' && rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (command === 'revoke' && rest.length !== 1) throw new UsageError('revoke takes one key id or name');
  if (command !== 'create' && (values.name !== undefined || values.scopes !== undefined || values['expires-in'] !== undefined)) {
    throw new UsageError('--name, --scopes and --expires-in belong to create');
  }

  let create: { name: string; scopes: ReturnType<typeof normaliseScopes>; expiresIn: number | null } | null = null;
  if (command === 'create') {
    if (!values.name) throw new UsageError('create needs --name');
    if (values.name.length > 64 || !KEY_NAME_PATTERN.test(values.name)) {
      throw new UsageError('--name must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    if (!values.scopes) throw new UsageError(`create needs --scopes (comma-separated: ${SCOPES.join(', ')})`);
    const requested = values.scopes.split(',').map((scope) => scope.trim()).filter(Boolean);
    const unknown = requested.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
    if (unknown.length > 0 || requested.length === 0) throw new UsageError(`unknown scope(s) ${unknown.join(', ') || '(none given)'}; use ${SCOPES.join(', ')}`);
    create = { name: values.name, scopes: normaliseScopes(requested), expiresIn: values['expires-in'] ? parseDuration(values['expires-in']) : null };
  }

  const settings = loadSettings();
  const context = await NestFactory.createApplicationContext(KeysCliModule.forRoot(settings), { logger: ['error'], abortOnError: false });
  try {
    const keys = context.get(ApiKeysService);
    if (create) {
      const { key, token } = await keys.create({ name: create.name, scopes: create.scopes, expiresAt: create.expiresIn ? Date.now() / 1000 + create.expiresIn : null });
      if (values.json) {
        console.log(JSON.stringify({ ...describe(key), token }));
      } else {
        const expiry = key.expires_at ? `expires ${epochSecondsToIso(key.expires_at)}` : 'never expires';
        console.log(`created API key '${key.name}' (id ${key.id}, scopes ${key.scopes.join(',')}, ${expiry})`);
        console.log('token (shown only now; send it as "Authorization: Bearer <token>"):');
        console.log(token);
      }
    } else if (command === 'list') {
      const all: ApiKeyEntity[] = [];
      let cursor: string | undefined;
      do {
        const page = await keys.list({ limit: 500, cursor });
        all.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      if (values.json) {
        console.log(JSON.stringify(all.map(describe)));
      } else if (all.length === 0) {
        console.log('no API keys (the server answers loopback requests only, without a key)');
      } else {
        for (const key of all.map(describe)) {
          console.log([key.id, key.name, key.prefix, (key.scopes as string[]).join(','), key.state, `expires=${key.expires_at ?? 'never'}`, `last_used=${key.last_used_at ?? 'never'}`].join('  '));
        }
      }
    } else {
      const key = await keys.revoke((await keys.find(rest[0])).id);
      console.log(values.json ? JSON.stringify(describe(key)) : `revoked API key '${key.name}' (id ${key.id})`);
    }
  } finally {
    await context.close();
  }
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`keys: ${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    // Expected failures (bad settings, unknown key, name taken) are one line; anything else keeps its stack.
    const expected = error instanceof InvalidSettingsError || error instanceof DomainError;
    console.error(`keys: ${expected ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
