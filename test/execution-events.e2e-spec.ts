import { releaseRun } from './fixtures/plugins/good/function_style';
import { rawRequest } from './helpers/raw-http';
import { expectProblem, TestApp } from './helpers/test-app';

interface ServerSentEvent {
  event: string;
  data: any;
}

/** Reads a text/event-stream to its end. */
async function readEvents(url: string): Promise<{ status: number; contentType: string | null; events: ServerSentEvent[] }> {
  const response = await fetch(url);
  const text = await response.text();
  const events = text
    .split('\n\n')
    .filter((block) => block.startsWith('event:'))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return { event: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) };
    });
  return { status: response.status, contentType: response.headers.get('content-type'), events };
}

describe('execution events over SSE (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  const startAsync = async (name: string, config: Record<string, unknown>) => {
    const instance = await app.post('/api/plugins/instances', { template_id: 'fixture_function', name, config });
    const accepted = await app.post(`/api/plugins/instances/${instance.body.id}/execute`, undefined, { prefer: 'respond-async' });
    expect(accepted.status).toBe(202);
    return accepted.body.id as string;
  };

  it('streams status and progress in order and ends with the final status', async () => {
    const executionId = await startAsync('Watched', { mode: 'progress_wait', gate: 'watched', lines: 3 });
    const stream = readEvents(`${app.baseUrl}/api/plugins/executions/${executionId}/events`);
    // Let the stream attach and the run start, then let it report and finish.
    for (let i = 0; i < 100 && (await app.get(`/api/plugins/executions/${executionId}`)).body.status !== 'running'; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    releaseRun('watched');
    const { status, contentType, events } = await stream;
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/event-stream/);
    const kinds = events.map((e) => (e.event === 'status' ? `status:${e.data.status}` : `progress:${e.data.current}`));
    expect(kinds[0]).toMatch(/^status:(queued|running)$/);
    expect(kinds.slice(-4)).toEqual(['progress:1', 'progress:2', 'progress:3', 'status:succeeded']);
    expect(events[events.length - 1].data).toMatchObject({ id: executionId, status: 'succeeded', result: { reported: 3 } });
  });

  it('sends one final event for a finished run and 404s for an unknown one', async () => {
    const executionId = await startAsync('Already done', { mode: 'ok' });
    for (let i = 0; i < 100 && (await app.get(`/api/plugins/executions/${executionId}`)).body.status !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 20));
    const { events } = await readEvents(`${app.baseUrl}/api/plugins/executions/${executionId}/events`);
    expect(events).toEqual([{ event: 'status', data: expect.objectContaining({ id: executionId, status: 'succeeded' }) }]);
    expectProblem(await app.get('/api/plugins/executions/00000000-0000-0000-0000-000000000000/events'), 404, 'execution-not-found');
  });

  it('closes the connection after the stream when the client sent Connection: close', async () => {
    const executionId = await startAsync('Closed after', { mode: 'ok' });
    for (let i = 0; i < 100 && (await app.get(`/api/plugins/executions/${executionId}`)).body.status !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 20));
    const response = await rawRequest(Number(new URL(app.baseUrl).port), { method: 'GET', path: `/api/plugins/executions/${executionId}/events`, headers: [['connection', 'close']] }, { untilClosed: true, timeoutMs: 5000 });
    expect(response.status).toBe(200);
    expect(response.headers.connection).toBe('close');
    expect(response.text).toContain('"status":"succeeded"');
  });

  it('ends the stream with cancelled when the run is cancelled', async () => {
    const executionId = await startAsync('Cancelled while watched', { mode: 'wait_abortable', gate: 'never' });
    const stream = readEvents(`${app.baseUrl}/api/plugins/executions/${executionId}/events`);
    await new Promise((r) => setTimeout(r, 150));
    expect((await app.post(`/api/plugins/executions/${executionId}/cancel`)).status).toBe(202);
    const { events } = await stream;
    expect(events[events.length - 1].data).toMatchObject({ status: 'cancelled', error: { type: 'cancelled' } });
  });
});

describe('history retention (e2e)', () => {
  it('keeps the newest EXECUTION_HISTORY_LIMIT runs per instance', async () => {
    const app = await TestApp.start({ env: { EXECUTION_HISTORY_LIMIT: '3' } });
    try {
      const instance = (await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: 'Pruned', config: { mode: 'ok' } })).body;
      const other = (await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: 'Untouched', config: { mode: 'ok' } })).body;
      await app.post(`/api/plugins/instances/${other.id}/execute`);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await app.post(`/api/plugins/instances/${instance.id}/execute`)).body.id);
      let kept: string[] = [];
      for (let i = 0; i < 50; i++) {
        kept = (await app.get(`/api/plugins/instances/${instance.id}/executions`)).body.items.map((e: { id: string }) => e.id);
        if (kept.length === 3) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(kept).toEqual(ids.slice(3).reverse());
      expect((await app.get(`/api/plugins/instances/${other.id}/executions`)).body.items).toHaveLength(1);
    } finally {
      await app.close();
      app.removeData();
    }
  });

  it('keeps history bounded over many runs, counting each retry attempt, without pruning every run', async () => {
    const app = await TestApp.start({ env: { EXECUTION_HISTORY_LIMIT: '4' } });
    try {
      const create = async (name: string, config: Record<string, unknown>, policy?: Record<string, unknown>) =>
        (await app.post('/api/plugins/instances', { template_id: 'fixture_function', name, config, ...(policy ? { execution_policy: policy } : {}) })).body.id as string;
      const pruned = await create('Bounded', { mode: 'ok' });
      const retried = await create('Bounded retries', { mode: 'throw' }, { max_attempts: 2, backoff_ms: 0 });
      const historyOf = async (id: string) => (await app.get(`/api/plugins/instances/${id}/executions?limit=50`)).body.items as { id: string; attempt: number }[];
      const settle = async (id: string, expected: number) => {
        let rows = await historyOf(id);
        for (let i = 0; i < 100 && rows.length !== expected; i++) {
          await new Promise((r) => setTimeout(r, 20));
          rows = await historyOf(id);
        }
        return rows;
      };
      const ids: string[] = [];
      for (let i = 0; i < 15; i++) {
        ids.push((await app.post(`/api/plugins/instances/${pruned}/execute`)).body.id);
        const rows = await settle(pruned, Math.min(i + 1, 4));
        expect(rows.map((row) => row.id)).toEqual(ids.slice(-4).reverse());
      }
      // Each run of this instance is two attempts (two rows): the limit counts rows.
      for (let i = 0; i < 4; i++) expect((await app.post(`/api/plugins/instances/${retried}/execute`)).body.attempt).toBe(2);
      const rows = await settle(retried, 4);
      expect(rows.map((row) => row.attempt)).toEqual([2, 1, 2, 1]);
    } finally {
      await app.close();
      app.removeData();
    }
  });
});

describe('cancelling a running table_loader import (e2e)', () => {
  it('stops the import and leaves the old table as it was', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const app = await TestApp.start({ env: { CANCEL_GRACE_MS: '2000' } });
    try {
      fs.writeFileSync(path.join(app.dataDir, 'small.csv'), 'n,label\n' + Array.from({ length: 10 }, (_, i) => `${i},row ${i}`).join('\n') + '\n');
      const big = fs.createWriteStream(path.join(app.dataDir, 'big.csv'));
      big.write('n,label\n');
      for (let i = 0; i < 400_000; i++) big.write(`${i},row ${i}\n`);
      await new Promise((resolve) => big.end(resolve));

      const loader = (await app.post('/api/plugins/instances', { template_id: 'table_loader', name: 'Loader', config: { file_path: 'small.csv', table_name: 'guarded' } })).body;
      expect((await app.post(`/api/plugins/instances/${loader.id}/execute`)).body.status).toBe('succeeded');
      await app.put(`/api/plugins/instances/${loader.id}`, { config: { file_path: 'big.csv', table_name: 'guarded' } });

      const run = (await app.post(`/api/plugins/instances/${loader.id}/execute`, undefined, { prefer: 'respond-async' })).body;
      for (let i = 0; i < 200; i++) {
        const current = (await app.get(`/api/plugins/executions/${run.id}`)).body;
        if (current.status === 'running') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect((await app.post(`/api/plugins/executions/${run.id}/cancel`)).status).toBe(202);
      let final: any;
      for (let i = 0; i < 300; i++) {
        final = (await app.get(`/api/plugins/executions/${run.id}`)).body;
        if (final.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(final).toMatchObject({ status: 'cancelled', error: { type: 'cancelled' } });
      const table = (await app.get('/api/data/tables')).body.items.find((t: { name: string }) => t.name === 'guarded');
      expect(table.row_count).toBe(10);
      // The instance still shows its last completed run.
      expect((await app.get(`/api/plugins/instances/${loader.id}`)).body.status).toBe('active');
    } finally {
      await app.close();
      app.removeData();
    }
  });
});
