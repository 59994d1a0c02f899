import { EntityManager } from 'typeorm';
import { ManualClock } from '../common/clock';
import { Settings } from '../config/settings';
import { TransactionService } from '../database/transaction.service';
import { ConfigMigrationFailure, ConfigMigrationService } from '../instances/config-migration.service';
import { PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { ExecutionContext } from '../sdk/types';
import { SECRET_MASK, SecretScrubber } from '../secrets/secret-scrubber';
import { SecretsService, SecretUnreadableError } from '../secrets/secrets.service';
import { RegisteredTemplate, TemplateRegistryService } from '../templates/template-registry.service';
import { ExecutionChange, ExecutionEvents } from './execution-events';
import { ExecutionRecorder } from './execution-recorder';
import { ExecutionRunner } from './execution-runner';
import { ExecutionRepository, StoredLogLine } from './execution.repository';
import { PluginExecutionEntity } from './plugin-execution.entity';
import { RunOutcome } from './run-outcome';
import { RunRegistry } from './run-registry';

const SECRET = 'tok-4f9c1e7a2b';
const CANCEL_GRACE_MS = 5_000;

/** The runner with fakes around it: a template whose handler the test writes, a recorder that only listens. */
function setUp(handler: (config: Record<string, unknown>, ctx: ExecutionContext) => Promise<unknown>, options: { timeoutMs?: number; unreadable?: boolean; missingTemplate?: boolean; invalid?: boolean; migrationFails?: boolean } = {}) {
  const finished: { id: string; outcome: RunOutcome; progress: unknown; mayRetry: boolean }[] = [];
  const logs: StoredLogLine[] = [];
  const progressWrites: unknown[] = [];
  const changes: ExecutionChange[] = [];
  const template = {
    id: 'fake',
    version: '1.0.0',
    timeoutMs: null,
    configSchema: { secrets: [] },
    run: (config: Record<string, unknown>, ctx: ExecutionContext) => handler(config, ctx),
  } as unknown as RegisteredTemplate;
  const templates = {
    get: () => (options.missingTemplate ? undefined : template),
    validateConfig: async (_template: RegisteredTemplate, config: Record<string, unknown>) =>
      options.invalid ? { valid: false, errors: [{ path: '/config/n', message: 'must be integer' }], config } : { valid: true, errors: [], config },
  } as unknown as TemplateRegistryService;
  const secrets = {
    open: (_id: string, config: Record<string, unknown>) => {
      if (options.unreadable) throw new SecretUnreadableError('/token', 'wrong key');
      return { config: { ...config, token: SECRET }, sealedPaths: [] };
    },
    scrubberFor: () => new SecretScrubber([SECRET]),
  } as unknown as SecretsService;
  const recorder = {
    finish: async (id: string, outcome: RunOutcome, progress: unknown, mayRetry: boolean, known: PluginExecutionEntity) => {
      finished.push({ id, outcome, progress, mayRetry });
      return { ...known, status: outcome.status };
    },
  } as unknown as ExecutionRecorder;
  const executions = {
    saveProgress: async (_manager: EntityManager, _id: string, progress: unknown) => void progressWrites.push(progress),
    insertLogs: async (_manager: EntityManager, _id: string, lines: StoredLogLine[]) => void logs.push(...lines),
  } as unknown as ExecutionRepository;
  const transactions = { run: async <T>(work: (manager: EntityManager) => Promise<T>) => work({} as EntityManager) } as unknown as TransactionService;
  const events = new ExecutionEvents(new ManualClock());
  const registry = new RunRegistry();
  const settings = { cancelGraceMs: CANCEL_GRACE_MS } as Settings;
  const configMigrations = {
    upgrade: async (_template: RegisteredTemplate, opened: { config: Record<string, unknown> }, fromVersion: string) => {
      if (options.migrationFails) throw new ConfigMigrationFailure({ type: 'config-migration-failed', message: `cannot migrate from ${fromVersion}`, from_version: fromVersion, to_version: '1.0.0', errors: [] });
      return opened.config;
    },
  } as unknown as ConfigMigrationService;
  const runner = new ExecutionRunner(registry, recorder, executions, templates, secrets, events, transactions, settings, configMigrations);

  const instance = Object.assign(new PluginInstanceEntity(), {
    id: 'instance-1',
    name: 'Fake one',
    template_id: 'fake',
    config: { n: 1 },
    execution_policy: options.timeoutMs ? { timeout_ms: options.timeoutMs } : null,
  });
  const execution = Object.assign(new PluginExecutionEntity(), { id: 'run-1', instance_id: instance.id, status: 'running', trigger: { type: 'manual' } });
  events.onChange(execution.id, (logged) => changes.push(logged.change));
  return { runner, registry, instance, execution, finished, logs, progressWrites, changes };
}

/** A handler that waits until its signal aborts, then returns (or never, when told to ignore it). */
const waitForAbort = (ignore = false) => (_config: Record<string, unknown>, ctx: ExecutionContext) =>
  new Promise((resolve) => {
    if (!ignore) ctx.signal.addEventListener('abort', () => resolve({ stopped: true }));
  });

describe('ExecutionRunner', () => {
  afterEach(() => jest.useRealTimers());

  it('runs the handler with the opened config and records its result, in the registry only while it runs', async () => {
    const seen: Record<string, unknown>[] = [];
    const t = setUp(async (config) => {
      seen.push(config);
      expect(t.registry.has('run-1')).toBe(true);
      return { rows: 3 };
    });
    await t.runner.start(t.execution, t.instance);
    expect(seen).toEqual([{ n: 1, token: SECRET }]);
    expect(t.finished).toEqual([{ id: 'run-1', outcome: { status: 'succeeded', result: { rows: 3 }, error: null }, progress: null, mayRetry: true }]);
    expect(t.registry.has('run-1')).toBe(false);
  });

  it.each([
    ['a throw', async () => Promise.reject(new Error('disk full')), { status: 'failed', result: null, error: { type: 'handler_error', message: 'disk full' } }],
    ['the soft-error style', async () => ({ status: 'error', message: 'no rows' }), { status: 'failed', result: { status: 'error', message: 'no rows' }, error: { type: 'handler_error', message: 'no rows' } }],
    ['an array', async () => [1], { status: 'failed', result: null, error: { type: 'invalid_result', message: 'handler returned an array; expected a JSON object' } }],
  ])('records %s as a failure that may be retried', async (_name, handler, outcome) => {
    const t = setUp(handler);
    await t.runner.start(t.execution, t.instance);
    expect(t.finished).toEqual([{ id: 'run-1', outcome, progress: null, mayRetry: true }]);
  });

  it('masks the secret in the result, the error, the logs and the progress', async () => {
    const t = setUp(async (config, ctx) => {
      ctx.log('info', `calling with ${String(config.token)}`);
      ctx.progress({ current: 1, total: 2, message: `token ${String(config.token)}` });
      throw new Error(`401 for ${String(config.token)}`);
    });
    await t.runner.start(t.execution, t.instance);
    expect(t.finished[0].outcome.error).toEqual({ type: 'handler_error', message: `401 for ${SECRET_MASK}` });
    expect(t.finished[0].progress).toEqual({ current: 1, total: 2, message: `token ${SECRET_MASK}` });
    expect(t.logs.map((line) => [line.level, line.message])).toEqual([['info', `calling with ${SECRET_MASK}`]]);
    expect(t.changes).toEqual([{ type: 'progress', progress: { current: 1, total: 2, message: `token ${SECRET_MASK}` } }]);
    expect(t.progressWrites).toEqual([{ current: 1, total: 2, message: `token ${SECRET_MASK}` }]);
  });

  it('sanitises progress and keeps log levels it knows', async () => {
    const t = setUp(async (_config, ctx) => {
      ctx.progress({ current: Number.NaN, total: Number.POSITIVE_INFINITY, message: 'x'.repeat(600) } as never);
      ctx.log('loud' as never, 'unknown level');
      ctx.log('warn', 'careful');
      return {};
    });
    await t.runner.start(t.execution, t.instance);
    expect(t.finished[0].progress).toEqual({ current: 0, message: 'x'.repeat(500) });
    expect(t.logs.map((line) => line.level)).toEqual(['info', 'warn']);
  });

  it('fails without calling the handler when secrets cannot be opened, the template is gone, the stored config is invalid or cannot be migrated', async () => {
    const handler = jest.fn(async () => ({}));
    const unreadable = setUp(handler, { unreadable: true });
    await unreadable.runner.start(unreadable.execution, unreadable.instance);
    expect(unreadable.finished[0].outcome).toEqual({ status: 'failed', result: null, error: { type: 'config_invalid', message: 'the stored secret /token cannot be decrypted: wrong key' } });
    const missing = setUp(handler, { missingTemplate: true });
    await missing.runner.start(missing.execution, missing.instance);
    expect(missing.finished[0].outcome.error).toEqual({ type: 'template_unavailable', message: "template 'fake' is not loaded" });
    const invalid = setUp(handler, { invalid: true });
    await invalid.runner.start(invalid.execution, invalid.instance);
    expect(invalid.finished[0].outcome.error).toMatchObject({ type: 'config_invalid', errors: [{ path: '/config/n', message: 'must be integer' }] });
    // A past version saved under an older template version that cannot be migrated.
    const unmigratable = setUp(handler, { migrationFails: true });
    unmigratable.instance.template_version = '0.9.0';
    await unmigratable.runner.start(unmigratable.execution, unmigratable.instance);
    expect(unmigratable.finished[0].outcome.error).toEqual({ type: 'config_migration_failed', message: 'cannot migrate from 0.9.0' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('times out: the signal aborts at timeout_ms and the run ends timed_out, retryable, even though the handler returned', async () => {
    jest.useFakeTimers();
    const t = setUp(waitForAbort(), { timeoutMs: 2_000 });
    const started = t.runner.start(t.execution, t.instance);
    await jest.advanceTimersByTimeAsync(1_999);
    expect(t.finished).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await started;
    expect(t.finished).toEqual([{ id: 'run-1', outcome: { status: 'timed_out', result: null, error: { type: 'timeout', message: 'the run exceeded its timeout of 2000 ms' } }, progress: null, mayRetry: true }]);
  });

  it('cancel: a handler that ignores its signal is abandoned after CANCEL_GRACE_MS, ends cancelled, and is not retried', async () => {
    jest.useFakeTimers();
    const t = setUp(waitForAbort(true));
    const started = t.runner.start(t.execution, t.instance);
    await jest.advanceTimersByTimeAsync(10);
    const run = t.registry.get('run-1')!;
    t.runner.stop(run, { status: 'cancelled', result: null, error: { type: 'cancelled', message: 'cancelled on request' } }, new Error('cancelled on request'));
    expect(run.controller.signal.aborted).toBe(true);
    await jest.advanceTimersByTimeAsync(CANCEL_GRACE_MS - 1);
    expect(t.finished).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await started;
    expect(t.finished).toEqual([{ id: 'run-1', outcome: { status: 'cancelled', result: null, error: { type: 'cancelled', message: 'cancelled on request' } }, progress: null, mayRetry: false }]);
    expect(t.registry.has('run-1')).toBe(false);
  });

  it('ignores log lines and progress once the outcome is decided', async () => {
    let late: ExecutionContext | null = null;
    const t = setUp(async (_config, ctx) => {
      late = ctx;
      return {};
    });
    await t.runner.start(t.execution, t.instance);
    late!.log('info', 'after the end');
    late!.progress({ current: 9 });
    expect(t.logs).toEqual([]);
    expect(t.changes).toEqual([]);
  });
});
