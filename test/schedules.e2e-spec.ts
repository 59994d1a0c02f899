import { setTimeout as delay } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { ManualClock } from '../src/common/clock';
import { ExecutionScheduler, TickReport } from '../src/execution/execution-scheduler';
import { ExecutionService, SlotAlreadyFiredError } from '../src/execution/execution.service';
import { PluginExecutionEntity } from '../src/execution/plugin-execution.entity';
import { releaseRun } from './fixtures/plugins/good/function_style';
import { expectProblem, TestApp } from './helpers/test-app';

/**
 * Schedules: the scheduler fires slots by a ManualClock the tests move; nothing here waits for schedule
 * time (only, briefly, for a fired run to finish so the next slot does not overlap it).
 */

const INSTANCES = '/api/plugins/instances';
const START = '2027-01-04T00:00:00.000Z';
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

describe('schedules', () => {
  let app: TestApp;
  let clock: ManualClock;
  let scheduler: ExecutionScheduler;

  const startApp = async (dataDir?: string) => {
    app = await TestApp.start({ clock, dataDir, env: { SCHEDULER_TICK_MS: '60000', SCHEDULER_CATCH_UP_SPREAD_MS: '30000' } });
    scheduler = app.app.get(ExecutionScheduler);
  };

  beforeEach(async () => {
    clock = new ManualClock(START);
    await startApp();
  });

  afterEach(async () => {
    await app.close();
    app.removeData();
  });

  async function create(schedule: unknown, extra: Record<string, unknown> = {}): Promise<any> {
    const response = await app.post(INSTANCES, { template_id: 'fixture_function', name: unique('sched'), config: { mode: 'ok' }, schedule, ...extra });
    expect(response.status).toBe(201);
    return response.body;
  }

  const instance = async (id: string) => (await app.get(`${INSTANCES}/${id}`)).body;
  const runs = async (id: string) => (await app.get(`${INSTANCES}/${id}/executions?limit=200`)).body.items as any[];

  async function settle(report: TickReport): Promise<void> {
    for (const fired of report.fired) {
      const deadline = Date.now() + 5000;
      while ((await app.get(`/api/plugins/executions/${fired.execution_id}`)).body.status.match(/queued|running/)) {
        if (Date.now() > deadline) throw new Error(`run ${fired.execution_id} did not finish`);
        await delay(5);
      }
    }
  }

  it('a day of a 15-minute schedule fires 96 times, each with its slot', async () => {
    const { id, next_run_at } = await create({ every: '15m' });
    expect(next_run_at).toBe('2027-01-04T00:15:00.000Z');
    let fired = 0;
    for (let step = 0; step < 96; step++) {
      clock.advance(15 * 60_000);
      const report = await scheduler.tick();
      fired += report.fired.length;
      await settle(report);
    }
    expect(fired).toBe(96);
    const all = await runs(id);
    expect(all).toHaveLength(96);
    expect(all.every((run) => run.trigger.type === 'schedule' && run.status === 'succeeded')).toBe(true);
    expect(new Set(all.map((run) => run.trigger.scheduled_for)).size).toBe(96);
    const after = await instance(id);
    expect(after.schedule_state).toEqual({ last_fired_for: '2027-01-05T00:00:00.000Z', missed: 0, skipped_overlap: 0, last_skip: null });
    expect(after.next_run_at).toBe('2027-01-05T00:15:00.000Z');
  });

  it('GET /health reports the ticks: what the latest did, how long ticks take, and counts since start', async () => {
    const before = (await app.get('/health')).body.scheduler;
    expect(before).toEqual({
      tick_interval_ms: 60000,
      last_tick: null,
      recent: { ticks: 0, mean_ms: 0, p99_ms: 0, max_ms: 0 },
      since_start: { ticks: 0, failed: 0, overrun: 0, due: 0, fired: 0, skipped: 0, duration_ms: 0, max_ms: 0 },
    });
    await create({ every: '15m' });
    await create({ every: '1h' });
    clock.advance(15 * 60_000);
    await settle(await scheduler.tick());
    clock.advance(60_000);
    expect((await scheduler.tick()).due).toBe(0);

    const health = await app.get('/health');
    expect(health.status).toBe(200);
    const { last_tick, recent, since_start } = health.body.scheduler;
    expect(last_tick).toEqual({ started_at: '2027-01-04T00:16:00.000Z', duration_ms: expect.any(Number), due: 0, fired: 0, skipped: 0 });
    expect(since_start).toMatchObject({ ticks: 2, failed: 0, overrun: 0, due: 1, fired: 1, skipped: 0 });
    expect(recent.ticks).toBe(2);
    expect(since_start.duration_ms).toBeGreaterThan(0);
    expect(recent.max_ms).toBe(since_start.max_ms);
    expect(recent.p99_ms).toBe(recent.max_ms); // nearest rank of two ticks is the longer
    expect(recent.mean_ms).toBeLessThanOrEqual(recent.max_ms);
  });

  it.each([
    ['Europe/Berlin', '2027-03-27T12:00:00Z', ['2027-03-28T01:30:00.000Z', '2027-03-29T00:30:00.000Z']],
    ['Europe/Berlin', '2027-10-30T12:00:00Z', ['2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z']],
    ['America/New_York', '2027-03-13T12:00:00Z', ['2027-03-14T07:30:00.000Z', '2027-03-15T06:30:00.000Z']],
    ['America/New_York', '2027-11-06T12:00:00Z', ['2027-11-07T07:30:00.000Z', '2027-11-08T07:30:00.000Z']],
  ])('a local 02:30 cron in %s across the DST change from %s runs once a day', async (timezone, from, expected) => {
    clock.set(from);
    const { id } = await create({ cron: '30 2 * * *', timezone });
    // Hour by hour through two days: each slot once, never twice on fall-back.
    for (let hour = 0; hour < 48; hour++) {
      clock.advance(3_600_000);
      await settle(await scheduler.tick());
    }
    expect((await runs(id)).map((run) => run.trigger.scheduled_for).sort()).toEqual(expected);
  });

  it.each([
    ['once', 1],
    ['skip', 0],
  ])('a restart after three missed slots (catch_up %s) runs %i catch-up, spread, and counts missed: 3', async (catchUp, expected) => {
    const { id } = await create({ every: '1h', catch_up: catchUp });
    const dataDir = app.dataDir;
    await app.close();
    clock.advance(3 * 3_600_000 + 30 * 60_000); // down over 01:00, 02:00, 03:00
    await startApp(dataDir);
    const atBoot = await scheduler.tick();
    clock.advance(30_000); // the whole catch-up spread
    const later = await scheduler.tick();
    await settle(later);
    await settle(atBoot);
    const all = await runs(id);
    expect(all).toHaveLength(expected);
    if (expected === 1) expect(all[0].trigger.scheduled_for).toBe('2027-01-04T03:00:00.000Z');
    expect(atBoot.fired.length + later.fired.length).toBe(expected);
    const after = await instance(id);
    expect(after.schedule_state.missed).toBe(3);
    expect(after.schedule_state.last_skip).toEqual({ scheduled_for: expected ? '2027-01-04T02:00:00.000Z' : '2027-01-04T03:00:00.000Z', reason: 'downtime' });
    expect(after.next_run_at).toBe('2027-01-04T04:00:00.000Z');
  });

  it('a slot that comes while a run is in progress is skipped and counted, with its reason', async () => {
    const gate = unique('gate');
    const { id } = await create({ every: '1h' }, { config: { mode: 'wait', gate } });
    clock.advance(3_600_000);
    expect((await scheduler.tick()).fired).toHaveLength(1);
    clock.advance(3_600_000);
    const second = await scheduler.tick();
    expect(second.fired).toHaveLength(0);
    expect(second.skipped).toEqual([{ instance_id: id, scheduled_for: '2027-01-04T02:00:00.000Z', reason: 'overlap' }]);
    releaseRun(gate);
    const state = (await instance(id)).schedule_state;
    expect(state).toMatchObject({ skipped_overlap: 1, last_fired_for: '2027-01-04T01:00:00.000Z', last_skip: { scheduled_for: '2027-01-04T02:00:00.000Z', reason: 'overlap' } });
  });

  it('a disabled instance or a disabled schedule never fires, and shows no next run', async () => {
    const off = await create({ every: '1m' }, { enabled: false });
    const paused = await create({ every: '1m', enabled: false });
    expect([off.next_run_at, paused.next_run_at]).toEqual([null, null]);
    clock.advance(10 * 60_000);
    expect((await scheduler.tick()).fired).toEqual([]);
    expect(await runs(off.id)).toEqual([]);
    expect(await runs(paused.id)).toEqual([]);
    // Enabling plans the next slot from now; removing the schedule clears it.
    const enabled = await app.put(`${INSTANCES}/${off.id}`, { enabled: true });
    expect(enabled.body.next_run_at).toBe('2027-01-04T00:11:00.000Z');
    const removed = await app.put(`${INSTANCES}/${off.id}`, { schedule: null });
    expect(removed.body).toMatchObject({ schedule: null, next_run_at: null, version: enabled.body.version + 1 });
  });

  it.each([
    [{ cron: '61 * * * *' }, '/schedule/cron'],
    [{ cron: '0 6 * *' }, '/schedule/cron'],
    [{ every: '59s' }, '/schedule/every'],
    [{ every: '1h', timezone: 'Europe/Nowhere' }, '/schedule/timezone'],
    [{ cron: '0 6 * * *', every: '1h' }, '/schedule'],
    [{}, '/schedule'],
    [{ every: '1h', catch_up: 'all' }, '/schedule/catch_up'],
    ['daily', '/schedule'],
  ])('schedule %j is 400 at %s and changes nothing', async (schedule, pointer) => {
    const created = await app.post(INSTANCES, { template_id: 'fixture_function', name: unique('bad'), config: { mode: 'ok' }, schedule });
    expectProblem(created, 400, 'validation-failed');
    expect(created.body.errors.map((error: { path: string }) => error.path)).toContain(pointer);
    const existing = await create(null);
    const updated = await app.put(`${INSTANCES}/${existing.id}`, { schedule });
    expectProblem(updated, 400, 'validation-failed');
    expect(updated.body.errors.map((error: { path: string }) => error.path)).toContain(pointer);
    expect(await instance(existing.id)).toEqual(existing);
  });

  it('each slot runs at most once: firing the same slot twice inserts one row', async () => {
    const { id } = await create({ cron: '0 6 * * *' });
    const executions = app.app.get(ExecutionService);
    const slot = Date.parse('2027-01-04T06:00:00Z') / 1000;
    const fire = () => executions.execute(id, { type: 'schedule', scheduled_for: '2027-01-04T06:00:00.000Z' }, { async: true, principal: { keyId: null, keyName: null, scopes: [], via: 'auth-none' }, scheduledFor: slot });
    const first = await fire();
    await settle({ due: 1, fired: [{ instance_id: id, execution_id: first.id, scheduled_for: '' }], skipped: [], upstream: [] });
    await expect(fire()).rejects.toBeInstanceOf(SlotAlreadyFiredError);
    const rows = await app.app.get(DataSource).getRepository(PluginExecutionEntity).countBy({ instance_id: id, scheduled_for: slot });
    expect(rows).toBe(1);
  });

  it('a slot whose schedule was disabled or removed after the tick read it is refused at admission and starts nothing', async () => {
    const executions = app.app.get(ExecutionService);
    const slot = Date.parse('2027-01-04T06:00:00Z') / 1000;
    const principal = { keyId: null, keyName: null, scopes: [], via: 'auth-none' as const };
    const disabled = await create({ cron: '0 6 * * *', enabled: false });
    const removed = await create(null);
    for (const { id } of [disabled, removed]) {
      await expect(executions.execute(id, { type: 'schedule', scheduled_for: '2027-01-04T06:00:00.000Z' }, { async: true, principal, scheduledFor: slot })).rejects.toMatchObject({
        type: 'instance-disabled',
        message: expect.stringContaining('is disabled or removed; slot not run'),
      });
      expect(await runs(id)).toEqual([]);
    }
  });

  it('GET /api/plugins/schedule lists upcoming fires across instances, soonest first', async () => {
    const berlin = await create({ cron: '0 6 * * *', timezone: 'Europe/Berlin' });
    const hourly = await create({ every: '2h' });
    await create({ every: '1m', enabled: false });
    const response = await app.get('/api/plugins/schedule?until=2027-01-04T06:00:00Z&limit=10');
    expect(response.status).toBe(200);
    expect(response.body.items.map((item: any) => [item.instance_id, item.scheduled_for, item.local_time])).toEqual([
      [hourly.id, '2027-01-04T02:00:00.000Z', '2027-01-04T02:00:00+00:00'],
      [hourly.id, '2027-01-04T04:00:00.000Z', '2027-01-04T04:00:00+00:00'],
      [berlin.id, '2027-01-04T05:00:00.000Z', '2027-01-04T06:00:00+01:00'],
      [hourly.id, '2027-01-04T06:00:00.000Z', '2027-01-04T06:00:00+00:00'],
    ]);
    expect((await app.get('/api/plugins/schedule?limit=2')).body.items).toHaveLength(2);
    for (const query of ['until=tomorrow', 'until=2027-01-04T06:00:00', 'limit=0', 'limit=1001', 'limit=x']) {
      expectProblem(await app.get(`/api/plugins/schedule?${query}`), 400, 'validation-failed');
    }
  });

  it('GET .../schedule/preview gives the next fires with DST flags; 404, 400 and an empty list without a schedule', async () => {
    clock.set('2027-03-26T12:00:00Z');
    const { id } = await create({ cron: '30 2 * * *', timezone: 'Europe/Berlin' });
    const preview = await app.get(`${INSTANCES}/${id}/schedule/preview?count=3`);
    expect(preview.status).toBe(200);
    expect(preview.body.items).toEqual([
      { scheduled_for: '2027-03-27T01:30:00.000Z', local_time: '2027-03-27T02:30:00+01:00', dst: null },
      { scheduled_for: '2027-03-28T01:30:00.000Z', local_time: '2027-03-28T03:30:00+02:00', dst: 'nonexistent' },
      { scheduled_for: '2027-03-29T00:30:00.000Z', local_time: '2027-03-29T02:30:00+02:00', dst: null },
    ]);
    expectProblem(await app.get(`${INSTANCES}/00000000-0000-4000-8000-000000000000/schedule/preview`), 404, 'instance-not-found');
    for (const count of ['0', '101', 'many']) expectProblem(await app.get(`${INSTANCES}/${id}/schedule/preview?count=${count}`), 400, 'validation-failed');
    const plain = await create(null);
    expect((await app.get(`${INSTANCES}/${plain.id}/schedule/preview`)).body).toEqual({ instance_id: plain.id, schedule: null, items: [] });
  });

  it('POST /schedule/preview previews a schedule that is not saved: the same fires and DST flags, the same 400s at /schedule, nothing written', async () => {
    clock.set('2027-03-26T12:00:00Z');
    const before = (await app.get(`${INSTANCES}/stats`)).body.total;
    const preview = await app.post('/api/plugins/schedule/preview', { schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' }, count: 3 });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true },
      items: [
        { scheduled_for: '2027-03-27T01:30:00.000Z', local_time: '2027-03-27T02:30:00+01:00', dst: null },
        { scheduled_for: '2027-03-28T01:30:00.000Z', local_time: '2027-03-28T03:30:00+02:00', dst: 'nonexistent' },
        { scheduled_for: '2027-03-29T00:30:00.000Z', local_time: '2027-03-29T02:30:00+02:00', dst: null },
      ],
    });
    // Fall back in New York: 01:30 happens twice and fires once, at the first.
    clock.set('2027-11-06T12:00:00Z');
    const fallBack = await app.post('/api/plugins/schedule/preview', { schedule: { cron: '30 1 * * *', timezone: 'America/New_York' }, count: 1 });
    expect(fallBack.body.items).toEqual([{ scheduled_for: '2027-11-07T05:30:00.000Z', local_time: '2027-11-07T01:30:00-04:00', dst: 'ambiguous' }]);
    expect((await app.post('/api/plugins/schedule/preview', { schedule: { every: '15m' } })).body.items).toHaveLength(10);

    for (const [body, pointer] of [
      [{ schedule: { cron: '61 * * * *' } }, '/schedule/cron'],
      [{ schedule: { cron: '* * *' } }, '/schedule/cron'],
      [{ schedule: { every: '30s' } }, '/schedule/every'],
      [{ schedule: { cron: '0 6 * * *', every: '1h' } }, '/schedule'],
      [{ schedule: { cron: '0 6 * * *', timezone: 'Mars/Olympus' } }, '/schedule/timezone'],
      [{ schedule: { cron: '0 6 * * *' }, count: 101 }, '/count'],
      [{ schedule: 'daily' }, '/schedule'],
      [{}, '/schedule'],
    ] as const) {
      const response = await app.post('/api/plugins/schedule/preview', body);
      expectProblem(response, 400, 'validation-failed');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(pointer);
    }
    expect((await app.get(`${INSTANCES}/stats`)).body.total).toBe(before);
  });
});
