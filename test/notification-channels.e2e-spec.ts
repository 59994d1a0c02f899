import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Webhook } from 'standardwebhooks';
import { expectProblem, TestApp } from './helpers/test-app';

/** Notification channels' management API: config checked per type, secrets sealed and never shown again. */
const CHANNELS = '/api/notifications/channels';
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

describe('notification channels', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });

  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  it('creates a webhook channel with a generated Standard Webhooks secret, shown once and stored sealed', async () => {
    const name = unique('ops');
    const created = await app.post(CHANNELS, { name, type: 'webhook', config: { url: 'http://127.0.0.1:9/hook' }, events: ['execution.failed'] });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${CHANNELS}/${created.body.id}`);
    expect(created.body).toMatchObject({ name, type: 'webhook', config: { url: 'http://127.0.0.1:9/hook', secret: '********' }, events: ['execution.failed'], instance_ids: null, template_ids: null, enabled: true });
    const secret: string = created.body.signing_secret;
    expect(secret).toMatch(/^whsec_/);
    // The library accepts it: receivers can verify with it.
    expect(() => new Webhook(secret)).not.toThrow();

    const read = await app.get(`${CHANNELS}/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.signing_secret).toBeUndefined();
    expect(read.text).not.toContain(secret.slice(6));
    const listed = await app.get(CHANNELS);
    expect(listed.body.items.map((c: any) => c.id)).toContain(created.body.id);
    expect(listed.text).not.toContain(secret.slice(6));

    const dataSource = app.app.get<DataSource>(getDataSourceToken());
    const rows: { id: string; config: string }[] = await dataSource.query('SELECT id, config FROM notification_channels');
    const stored = rows.find((row) => row.id === created.body.id)!.config;
    expect(stored).not.toContain(secret.slice(6));
    expect(JSON.parse(stored).url).toBe('http://127.0.0.1:9/hook');
  });

  it('keeps a given webhook secret without answering it, and masks a Slack URL (the URL is the credential)', async () => {
    const given = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const webhook = await app.post(CHANNELS, { name: unique('given'), type: 'webhook', config: { url: 'https://example.com/h', secret: given }, events: ['execution.succeeded'] });
    expect(webhook.status).toBe(201);
    expect(webhook.body.signing_secret).toBeUndefined();

    const slackUrl = 'https://hooks.slack.com/services/T000/B000/SECRETPART';
    const slack = await app.post(CHANNELS, {
      name: unique('slack'),
      type: 'slack',
      config: { webhook_url: slackUrl },
      events: ['execution.failed', 'execution.succeeded'],
      instance_ids: ['3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15'],
      template_ids: ['fixture_function'],
      enabled: false,
    });
    expect(slack.status).toBe(201);
    expect(slack.body).toMatchObject({ type: 'slack', config: { webhook_url: '********' }, instance_ids: ['3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15'], template_ids: ['fixture_function'], enabled: false });
    expect(slack.text).not.toContain('SECRETPART');
  });

  it.each([
    ['no url', { type: 'webhook', config: {} }, '/config/url'],
    ['a non-http url', { type: 'webhook', config: { url: 'ftp://example.com/x' } }, '/config/url'],
    ['a malformed secret', { type: 'webhook', config: { url: 'https://example.com/h', secret: 'plain' } }, '/config/secret'],
    ['a setting of another type', { type: 'slack', config: { webhook_url: 'https://hooks.slack.com/x', url: 'https://x' } }, '/config/url'],
    ['an unknown type', { type: 'sms', config: {} }, '/type'],
  ])('refuses %s with 400 naming the field', async (_label, fields, pointer) => {
    const response = await app.post(CHANNELS, { name: unique('bad'), events: ['execution.failed'], ...fields });
    expectProblem(response, 400, 'validation-failed');
    expect(response.body.errors.map((e: any) => e.path)).toContain(pointer);
  });

  it.each([
    ['no events', { events: [] }],
    ['an unknown event', { events: ['execution.started'] }],
    ['a non-uuid instance id', { instance_ids: ['nope'] }],
    ['template ids that are not strings', { template_ids: [1] }],
  ])('refuses %s with 400', async (_label, fields) => {
    const response = await app.post(CHANNELS, { name: unique('bad'), type: 'webhook', config: { url: 'https://example.com/h' }, events: ['execution.failed'], ...fields });
    expectProblem(response, 400, 'validation-failed');
  });

  it('answers 409 for a name taken, 404 for an unknown channel, and deletes', async () => {
    const name = unique('twice');
    const body = { name, type: 'webhook', config: { url: 'https://example.com/h' }, events: ['execution.failed'] };
    const first = await app.post(CHANNELS, body);
    expect(first.status).toBe(201);
    expectProblem(await app.post(CHANNELS, body), 409, 'channel-name-taken');

    expect((await app.request('DELETE', `${CHANNELS}/${first.body.id}`)).status).toBe(204);
    expectProblem(await app.get(`${CHANNELS}/${first.body.id}`), 404, 'channel-not-found');
    expectProblem(await app.request('DELETE', `${CHANNELS}/${first.body.id}`), 404, 'channel-not-found');
  });

  it('changes a channel: fields given replace theirs, a webhook keeps its secret unless given one, the type stays', async () => {
    const created = await app.post(CHANNELS, { name: unique('change'), type: 'webhook', config: { url: 'https://example.com/a' }, events: ['execution.failed'], instance_ids: ['3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15'] });
    const url = `${CHANNELS}/${created.body.id}`;
    const dataSource = app.app.get<DataSource>(getDataSourceToken());
    const storedConfig = async () => {
      const rows: { id: string; config: string }[] = await dataSource.query('SELECT id, config FROM notification_channels');
      return JSON.parse(rows.find((row) => row.id === created.body.id)!.config);
    };
    const before = await storedConfig();

    const changed = await app.request('PATCH', url, { body: { config: { url: 'https://example.com/b' }, events: ['execution.succeeded'], instance_ids: null, enabled: false } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: created.body.id, type: 'webhook', config: { url: 'https://example.com/b', secret: '********' }, events: ['execution.succeeded'], instance_ids: null, enabled: false });
    expect((await storedConfig()).secret).toEqual(before.secret);
    expect((await app.get(url)).body).toEqual(changed.body);

    const given = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    expect((await app.request('PATCH', url, { body: { config: { url: 'https://example.com/b', secret: given } } })).status).toBe(200);
    expect((await storedConfig()).secret).not.toEqual(before.secret);

    const badConfig = await app.request('PATCH', url, { body: { config: { webhook_url: 'https://hooks.slack.com/x' } } });
    expectProblem(badConfig, 400, 'validation-failed');
    expectProblem(await app.request('PATCH', url, { body: { events: [] } }), 400, 'validation-failed');
    const other = await app.post(CHANNELS, { name: unique('other'), type: 'slack', config: { webhook_url: 'https://hooks.slack.com/y' }, events: ['execution.failed'] });
    expectProblem(await app.request('PATCH', url, { body: { name: other.body.name } }), 409, 'channel-name-taken');
    expectProblem(await app.request('PATCH', `${CHANNELS}/00000000-0000-4000-8000-000000000000`, { body: { enabled: true } }), 404, 'channel-not-found');
  });
});
