import { setTimeout as delay } from 'node:timers/promises';
import { sign as signGithub } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../src/common/clock';
import { releaseRun } from './fixtures/plugins/good/function_style';
import { expectProblem, HttpResponse, TestApp } from './helpers/test-app';

/**
 * Webhooks, through the real stack: tokens and secrets shown once, signatures in the github and Standard
 * Webhooks schemes verified by their libraries, redelivery, revocation, limits. The ManualClock moves the
 * per-webhook rate-limit window, the previous secret's deadline and the Standard Webhooks timestamp tolerance, so
 * Standard deliveries are signed at the clock's time.
 */

const INSTANCES = '/api/plugins/instances';
const RATE_LIMIT = 5;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

describe('webhooks', () => {
  let app: TestApp;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    app = await TestApp.start({ clock, env: { WEBHOOK_MAX_BYTES: '4096', WEBHOOK_RATE_LIMIT_MAX: String(RATE_LIMIT) } });
  });

  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  async function createInstance(config: Record<string, unknown> = { mode: 'trigger' }, extra: Record<string, unknown> = {}): Promise<string> {
    const response = await app.post(INSTANCES, { template_id: 'fixture_function', name: unique('hooked'), config, ...extra });
    expect(response.status).toBe(201);
    return response.body.id;
  }

  async function createWebhook(instanceId: string, signing?: 'github' | 'standard'): Promise<any> {
    const response = await app.post(`${INSTANCES}/${instanceId}/webhooks`, { name: unique('hook'), ...(signing ? { signing } : {}) });
    expect(response.status).toBe(201);
    return response.body;
  }

  const deliver = (url: string, body: string, headers: Record<string, string> = {}) =>
    app.request('POST', url, { rawBody: body, headers: { 'content-type': 'application/json', ...headers } });

  const githubHeaders = async (secret: string, body: string) => ({ 'x-hub-signature-256': await signGithub(secret, body) });

  function standardHeaders(secret: string, body: string, id = unique('msg'), at = new Date(clock.now())): Record<string, string> {
    return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
  }

  async function settled(executionId: string): Promise<any> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const run = (await app.get(`/api/plugins/executions/${executionId}`)).body;
      if (!['queued', 'running'].includes(run.status)) return run;
      if (Date.now() > deadline) throw new Error(`run ${executionId} did not finish`);
      await delay(5);
    }
  }

  const runsOf = async (instanceId: string) => (await app.get(`${INSTANCES}/${instanceId}/executions?limit=200`)).body.items as any[];

  async function expectAccepted(response: HttpResponse, instanceId: string, webhookId: string, payload: unknown): Promise<any> {
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/api/plugins/executions/${response.body.execution_id}`);
    const run = await settled(response.body.execution_id);
    expect(run).toMatchObject({ instance_id: instanceId, status: 'succeeded', trigger: { type: 'webhook', webhook_id: webhookId, payload } });
    // The handler saw it as ctx.trigger.
    expect(run.result.trigger).toEqual({ type: 'webhook', webhook_id: webhookId, payload });
    return run;
  }

  it('shows the token and the signing secret once, at creation; the list hides them', async () => {
    const instanceId = await createInstance();
    const github = await createWebhook(instanceId, 'github');
    expect(github).toMatchObject({ instance_id: instanceId, signing: 'github', active_secrets: 1, last_used_at: null, revoked_at: null });
    expect(github.token).toMatch(/^whk_[A-Za-z0-9_-]{43}$/);
    expect(github.url).toBe(`/api/hooks/${github.token}`);
    expect(github.signing_secret).toMatch(/^[0-9a-f]{64}$/);
    const standard = await createWebhook(instanceId, 'standard');
    expect(standard.signing_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const unsigned = await createWebhook(instanceId);
    expect(unsigned.signing).toBeNull();
    expect(unsigned).not.toHaveProperty('signing_secret');

    const list = await app.get(`${INSTANCES}/${instanceId}/webhooks`);
    expect(list.status).toBe(200);
    // Oldest first; created in the same instant of the ManualClock, ties go by id.
    expect(list.body.items.map((hook: any) => hook.id)).toEqual([github.id, standard.id, unsigned.id].sort());
    for (const hook of list.body.items) {
      expect(Object.keys(hook).sort()).toEqual(['active_secrets', 'created_at', 'id', 'instance_id', 'last_used_at', 'name', 'revoked_at', 'signing']);
    }
    // Neither the token nor the secret is anywhere in the answer.
    expect(list.text).not.toContain(github.token);
    expect(list.text).not.toContain(github.signing_secret);
  });

  it('a delivery with a valid github signature starts a run whose trigger.payload is the body, and the handler sees it', async () => {
    const instanceId = await createInstance();
    const hook = await createWebhook(instanceId, 'github');
    const payload = { ref: 'refs/heads/main', commits: [{ id: 'abc', message: 'ünïcode' }] };
    const body = JSON.stringify(payload);
    const response = await deliver(hook.url, body, await githubHeaders(hook.signing_secret, body));
    await expectAccepted(response, instanceId, hook.id, payload);
    const listed = (await app.get(`${INSTANCES}/${instanceId}/webhooks`)).body.items[0];
    expect(listed.last_used_at).not.toBeNull();
  });

  it('a retried webhook run keeps the delivery: the retry\'s trigger carries the first attempt\'s, payload included', async () => {
    const instanceId = await createInstance({ mode: 'fail_times', fail_times: 1, label: unique('retry') }, { execution_policy: { max_attempts: 2, backoff_ms: 0 } });
    const hook = await createWebhook(instanceId);
    const payload = { file: 'equipment.csv' };
    const response = await deliver(hook.url, JSON.stringify(payload));
    expect(response.status).toBe(202);
    const deadline = Date.now() + 5000;
    let runs = await runsOf(instanceId);
    while (runs.length < 2 || runs.some((run) => ['queued', 'running'].includes(run.status))) {
      if (Date.now() > deadline) throw new Error('the retry did not finish');
      await delay(5);
      runs = await runsOf(instanceId);
    }
    const [retry, first] = runs;
    expect(first).toMatchObject({ status: 'failed', trigger: { type: 'webhook', webhook_id: hook.id, payload } });
    expect(retry).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(retry.trigger).toEqual({ type: 'retry', payload: { previous_execution_id: first.id }, original: { type: 'webhook', webhook_id: hook.id, payload } });
  });

  it('a delivery with a valid Standard Webhooks signature starts a run; form and text bodies arrive as fields and text', async () => {
    const instanceId = await createInstance();
    const hook = await createWebhook(instanceId, 'standard');
    const body = JSON.stringify({ event: 'invoice.paid', amount: 42 });
    await expectAccepted(await deliver(hook.url, body, standardHeaders(hook.signing_secret, body)), instanceId, hook.id, { event: 'invoice.paid', amount: 42 });

    const form = 'event=invoice.paid&tag=a&tag=b';
    const formResponse = await app.request('POST', hook.url, { rawBody: form, headers: { 'content-type': 'application/x-www-form-urlencoded', ...standardHeaders(hook.signing_secret, form) } });
    await expectAccepted(formResponse, instanceId, hook.id, { event: 'invoice.paid', tag: ['a', 'b'] });

    const text = 'rebuild please';
    const textResponse = await app.request('POST', hook.url, { rawBody: text, headers: { 'content-type': 'text/plain', ...standardHeaders(hook.signing_secret, text) } });
    await expectAccepted(textResponse, instanceId, hook.id, text);
  });

  it('a wrong or missing signature is 401 and starts nothing', async () => {
    const instanceId = await createInstance();
    const github = await createWebhook(instanceId, 'github');
    const standard = await createWebhook(instanceId, 'standard');
    const other = await createWebhook(instanceId, 'standard');
    const body = JSON.stringify({ hello: 'world' });
    const attempts: [string, Record<string, string>][] = [
      [github.url, {}],
      [github.url, await githubHeaders('not-the-secret', body)],
      [github.url, await githubHeaders(github.signing_secret, `${body} `)],
      [github.url, { 'x-hub-signature-256': 'sha256=zz' }],
      [standard.url, {}],
      [standard.url, standardHeaders(other.signing_secret, body)],
      [standard.url, { ...standardHeaders(standard.signing_secret, body), 'webhook-id': 'another-id' }],
      [standard.url, { ...standardHeaders(standard.signing_secret, body), 'webhook-signature': 'garbage' }],
    ];
    for (const [url, headers] of attempts) expectProblem(await deliver(url, body, headers), 401, 'webhook-signature-invalid');
    // A body signed for another one of the secrets does not get through the other URL either.
    expectProblem(await deliver(github.url, body, await githubHeaders(standard.signing_secret, body)), 401, 'webhook-signature-invalid');
    expect(await runsOf(instanceId)).toEqual([]);
  });

  it('a Standard Webhooks delivery older than 5 minutes (a replay) is 401', async () => {
    const instanceId = await createInstance();
    const hook = await createWebhook(instanceId, 'standard');
    const body = JSON.stringify({ replayed: true });
    const stale = standardHeaders(hook.signing_secret, body, unique('msg'), new Date(clock.now() - 6 * 60_000));
    expectProblem(await deliver(hook.url, body, stale), 401, 'webhook-signature-invalid');
    const future = standardHeaders(hook.signing_secret, body, unique('msg'), new Date(clock.now() + 6 * 60_000));
    expectProblem(await deliver(hook.url, body, future), 401, 'webhook-signature-invalid');
    // Within the tolerance it is accepted.
    const recent = standardHeaders(hook.signing_secret, body, unique('msg'), new Date(clock.now() - 4 * 60_000));
    expect((await deliver(hook.url, body, recent)).status).toBe(202);
    expect(await runsOf(instanceId)).toHaveLength(1);
  });

  it('judges the Standard Webhooks timestamp by the injectable clock, not the system time', async () => {
    const instanceId = await createInstance();
    const hook = await createWebhook(instanceId, 'standard');
    const body = JSON.stringify({ held: true });
    // Signed now, then held back by a queue: 4 minutes later (by the server's clock) it is still fresh ...
    const signedAt = new Date(clock.now());
    clock.advance(4 * 60_000);
    expect((await deliver(hook.url, body, standardHeaders(hook.signing_secret, body, unique('msg'), signedAt))).status).toBe(202);
    // ... 5 minutes and 1 second after it was signed, it is a replay, although no real time has passed.
    clock.advance(60_000 + 1000);
    expectProblem(await deliver(hook.url, body, standardHeaders(hook.signing_secret, body, unique('msg'), signedAt)), 401, 'webhook-signature-invalid');
    expect(await runsOf(instanceId)).toHaveLength(1);
    // Several signatures in one header (a sender rotating its secret): one matching is enough.
    const fresh = standardHeaders(hook.signing_secret, body);
    const rotating = { ...fresh, 'webhook-signature': `v1,${Buffer.from('an older secret').toString('base64')} ${fresh['webhook-signature']}` };
    expect((await deliver(hook.url, body, rotating)).status).toBe(202);
    // A timestamp that is not whole seconds is refused.
    expectProblem(await deliver(hook.url, body, { ...standardHeaders(hook.signing_secret, body), 'webhook-timestamp': '1e9' }), 401, 'webhook-signature-invalid');
  });

  it('a redelivery with the same delivery id (Idempotency-Key, X-GitHub-Delivery, webhook-id) answers the same execution', async () => {
    const instanceId = await createInstance();
    const github = await createWebhook(instanceId, 'github');
    const body = JSON.stringify({ n: 1 });
    const headers = { ...(await githubHeaders(github.signing_secret, body)), 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };
    const first = await deliver(github.url, body, headers);
    expect(first.status).toBe(202);
    await settled(first.body.execution_id);
    const again = await deliver(github.url, body, headers);
    expect(again.status).toBe(202);
    expect(again.body.execution_id).toBe(first.body.execution_id);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));

    const standard = await createWebhook(instanceId, 'standard');
    const signed = standardHeaders(standard.signing_secret, body, 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W');
    const one = await deliver(standard.url, body, signed);
    expect(one.status).toBe(202);
    await settled(one.body.execution_id);
    expect((await deliver(standard.url, body, signed)).body.execution_id).toBe(one.body.execution_id);

    const unsigned = await createWebhook(instanceId);
    const keyed = await deliver(unsigned.url, body, { 'idempotency-key': 'order-17' });
    await settled(keyed.body.execution_id);
    expect((await deliver(unsigned.url, body, { 'idempotency-key': 'order-17' })).body.execution_id).toBe(keyed.body.execution_id);
    // A new delivery id is a new run.
    const fresh = await deliver(unsigned.url, body, { 'idempotency-key': 'order-18' });
    expect(fresh.body.execution_id).not.toBe(keyed.body.execution_id);
    await settled(fresh.body.execution_id);
    expect(await runsOf(instanceId)).toHaveLength(4);
  });

  it('a revoked token and an unknown token are 404', async () => {
    const instanceId = await createInstance();
    const hook = await createWebhook(instanceId);
    expect((await app.delete(`${INSTANCES}/${instanceId}/webhooks/${hook.id}`)).status).toBe(204);
    expectProblem(await deliver(hook.url, '{}'), 404, 'webhook-not-found');
    // Revoking again changes nothing; the list shows it revoked.
    expect((await app.delete(`${INSTANCES}/${instanceId}/webhooks/${hook.id}`)).status).toBe(204);
    expect((await app.get(`${INSTANCES}/${instanceId}/webhooks`)).body.items[0].revoked_at).not.toBeNull();
    expectProblem(await deliver(`/api/hooks/whk_${'A'.repeat(43)}`, '{}'), 404, 'webhook-not-found');
    expectProblem(await deliver('/api/hooks/not-a-token', '{}'), 404, 'webhook-not-found');
    expectProblem(await app.delete(`${INSTANCES}/${instanceId}/webhooks/00000000-0000-4000-8000-000000000000`), 404, 'webhook-not-found');
    expect(await runsOf(instanceId)).toEqual([]);
  });

  it('a body over WEBHOOK_MAX_BYTES is 413, in every media type', async () => {
    const instanceId = await createInstance();
    const hook = await createWebhook(instanceId);
    const big = JSON.stringify({ blob: 'x'.repeat(5000) });
    expectProblem(await deliver(hook.url, big), 413, 'payload-too-large');
    expectProblem(await app.request('POST', hook.url, { rawBody: 'x'.repeat(5000), headers: { 'content-type': 'text/plain' } }), 413, 'payload-too-large');
    // Other routes still refuse text bodies as before.
    expectProblem(await app.request('POST', INSTANCES, { rawBody: 'hello', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported-media-type');
    expect(await runsOf(instanceId)).toEqual([]);
  });

  it('a disabled instance, or one already running, is 409 as execute answers', async () => {
    const disabled = await createInstance({ mode: 'ok' }, { enabled: false });
    const offHook = await createWebhook(disabled);
    expectProblem(await deliver(offHook.url, '{}'), 409, 'instance-disabled');

    const gate = unique('gate');
    const busy = await createInstance({ mode: 'wait', gate });
    const busyHook = await createWebhook(busy);
    const first = await deliver(busyHook.url, '{}');
    expect(first.status).toBe(202);
    const deadline = Date.now() + 5000;
    while ((await app.get(`/api/plugins/executions/${first.body.execution_id}`)).body.status !== 'running' && Date.now() < deadline) await delay(5);
    const second = await deliver(busyHook.url, '{}');
    expectProblem(second, 409, 'execution-in-progress');
    expect(second.body.execution_id).toBe(first.body.execution_id);
    releaseRun(gate);
    await settled(first.body.execution_id);
  });

  it("deleting an instance removes its webhooks", async () => {
    const instanceId = await createInstance();
    const hook = await createWebhook(instanceId);
    expect((await app.delete(`${INSTANCES}/${instanceId}`)).status).toBe(204);
    expectProblem(await deliver(hook.url, '{}'), 404, 'webhook-not-found');
    expectProblem(await app.get(`${INSTANCES}/${instanceId}/webhooks`), 404, 'instance-not-found');
  });

  it('each webhook is rate limited: 429 with Retry-After past WEBHOOK_RATE_LIMIT_MAX a minute, and again accepted in the next minute', async () => {
    const instanceId = await createInstance({ mode: 'ok' });
    const hook = await createWebhook(instanceId);
    const other = await createWebhook(instanceId);
    for (let i = 0; i < RATE_LIMIT; i++) {
      const response = await deliver(hook.url, '{}', { 'idempotency-key': `d-${i}` });
      expect(response.status).toBe(202);
      await settled(response.body.execution_id);
    }
    const limited = await deliver(hook.url, '{}', { 'idempotency-key': 'd-over' });
    expectProblem(limited, 429, 'rate-limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another webhook has its own budget.
    const elsewhere = await deliver(other.url, '{}');
    expect(elsewhere.status).toBe(202);
    await settled(elsewhere.body.execution_id);
    clock.advance(61_000);
    const later = await deliver(hook.url, '{}', { 'idempotency-key': 'd-later' });
    expect(later.status).toBe(202);
    await settled(later.body.execution_id);
  });

  it('rotation: the new secret verifies at once, the previous one until 24 h later or the next rotation', async () => {
    const instanceId = await createInstance({ mode: 'ok' });
    const hook = await createWebhook(instanceId, 'github');
    const body = '{"rotated":true}';
    const rotated = await app.post(`${INSTANCES}/${instanceId}/webhooks/${hook.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.signing_secret).not.toBe(hook.signing_secret);
    expect(rotated.body.active_secrets).toBe(2);
    const accepted = async (secret: string) => {
      const response = await deliver(hook.url, body, await githubHeaders(secret, body));
      if (response.status === 202) await settled(response.body.execution_id);
      return response.status;
    };
    expect(await accepted(rotated.body.signing_secret)).toBe(202);
    expect(await accepted(hook.signing_secret)).toBe(202);
    clock.advance(24 * 3_600_000 + 1000);
    expect(await accepted(hook.signing_secret)).toBe(401);
    expect(await accepted(rotated.body.signing_secret)).toBe(202);
    // A second rotation retires the one before at once.
    const again = await app.post(`${INSTANCES}/${instanceId}/webhooks/${hook.id}/rotate`);
    const third = await app.post(`${INSTANCES}/${instanceId}/webhooks/${hook.id}/rotate`);
    expect(await accepted(again.body.signing_secret)).toBe(202);
    expect(await accepted(rotated.body.signing_secret)).toBe(401);
    expect(await accepted(third.body.signing_secret)).toBe(202);
    const unsigned = await createWebhook(instanceId);
    expectProblem(await app.post(`${INSTANCES}/${instanceId}/webhooks/${unsigned.id}/rotate`), 409, 'webhook-not-signed');
  });
  // Last: it creates an API key, after which loopback requests need one too.
  it('a token runs only its own instance and opens no other route', async () => {
    const a = await createInstance();
    const b = await createInstance();
    const hook = await createWebhook(a);
    const response = await deliver(hook.url, '{"to":"b"}', { 'x-instance-id': b });
    expect(response.status).toBe(202);
    expect((await settled(response.body.execution_id)).instance_id).toBe(a);
    expect(await runsOf(b)).toEqual([]);

    // With API keys in force, the webhook token is no API credential anywhere.
    const key = await app.post('/api/keys', { name: unique('admin'), scopes: ['admin'] });
    expect(key.status).toBe(201);
    const asBearer = { authorization: `Bearer ${hook.token}` };
    for (const [method, url] of [
      ['GET', `${INSTANCES}/${b}`],
      ['POST', `${INSTANCES}/${b}/execute`],
      ['GET', `${INSTANCES}/${a}/webhooks`],
      ['GET', `/api/plugins/executions/${response.body.execution_id}`],
    ] as const) {
      const refused = await app.request(method, url, { headers: asBearer });
      expect({ url, status: refused.status }).toEqual({ url, status: 401 });
    }
    // Other paths under /api/hooks are no routes.
    expectProblem(await app.request('POST', `/api/hooks/${hook.token}/${b}`, { rawBody: '{}', headers: { 'content-type': 'application/json' } }), 404, 'not-found');
    // Deliveries still need no key.
    expect((await deliver(hook.url, '{}')).status).toBe(202);
    await app.request('DELETE', `/api/keys/${key.body.id}`, { headers: { authorization: `Bearer ${key.body.token}` } });
  });
});
