import { ManualClock } from '../src/common/clock';
import { TestApp } from './helpers/test-app';

const INSTANCES = '/api/plugins/instances';
const ASYNC = { prefer: 'respond-async' };

/**
 * A retry waits out its backoff by the injectable Clock, as schedules do: with the clock standing still, a retry due in
 * a minute stays queued however long real time runs; moved past the backoff, it runs. No test waits a backoff out.
 */
describe('Retry backoff by the clock (e2e)', () => {
  let app: TestApp;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock('2026-03-02T08:00:00Z');
    app = await TestApp.start({ clock });
  });

  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  /** Polls the API (the state under test is reached through the server's own timer, not a timing). */
  async function runsWhen(instanceId: string, done: (runs: Array<{ status: string; attempt: number; not_before?: unknown }>) => boolean): Promise<Array<{ status: string; attempt: number }>> {
    let runs: Array<{ status: string; attempt: number }> = [];
    for (let i = 0; i < 200; i += 1) {
      runs = (await app.get(`${INSTANCES}/${instanceId}/executions`)).body.items;
      if (done(runs)) return runs;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the runs never reached the expected state: ${JSON.stringify(runs.map((run) => [run.attempt, run.status]))}`);
  }

  it('holds a retry until the clock passes its backoff, then runs it', async () => {
    const created = await app.post(INSTANCES, {
      template_id: 'fixture_function',
      name: 'Flaky import',
      config: { mode: 'fail_times', fail_times: 1, label: 'retry-clock' },
      execution_policy: { max_attempts: 2, backoff_ms: 60_000 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;

    // Asynchronously: a synchronous execute answers when the chain of attempts is over, which is the point here.
    expect((await app.post(`${INSTANCES}/${id}/execute`, undefined, ASYNC)).status).toBe(202);
    const [retry] = await runsWhen(id, (runs) => runs.length === 2 && runs[1].status === 'failed');
    expect(retry).toMatchObject({ status: 'queued', attempt: 2 });

    // The backoff is 60 s times a random factor from 0.5 to 1.5. Half a second of real time and 29 s by the clock,
    // under its least: still waiting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    clock.advance(29_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await app.get(`${INSTANCES}/${id}/executions`)).body.items[0]).toMatchObject({ status: 'queued', attempt: 2 });

    // Past its most (90 s): the retry runs, and succeeds (the fixture fails once per label).
    clock.advance(62_000);
    const runs = await runsWhen(id, (items) => items[0].status === 'succeeded');
    expect(runs.map((run) => [run.attempt, run.status])).toEqual([
      [2, 'succeeded'],
      [1, 'failed'],
    ]);
    expect((await app.get(`${INSTANCES}/${id}`)).body.status).toBe('active');
  });

  it('lets a cancel end a held retry at once, and it never runs', async () => {
    const created = await app.post(INSTANCES, {
      template_id: 'fixture_function',
      name: 'Cancelled retry',
      config: { mode: 'throw', label: 'retry-clock-cancel' },
      execution_policy: { max_attempts: 3, backoff_ms: 60_000 },
    });
    const id = created.body.id;
    expect((await app.post(`${INSTANCES}/${id}/execute`, undefined, ASYNC)).status).toBe(202);
    const [retry] = (await runsWhen(id, (runs) => runs.length === 2 && runs[1].status === 'failed')) as Array<{ id?: string; status: string; attempt: number }>;
    const cancelled = await app.post(`/api/plugins/executions/${(retry as { id: string }).id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.status).toBe('cancelled');
    clock.advance(120_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const runs = (await app.get(`${INSTANCES}/${id}/executions`)).body.items;
    expect(runs.map((run: { attempt: number; status: string }) => [run.attempt, run.status])).toEqual([
      [2, 'cancelled'],
      [1, 'failed'],
    ]);
  });
});
