import { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { getDataSourceToken } from '@nestjs/typeorm';
import { AddressObject, ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, SMTPServerAddress, SMTPServerOptions } from 'smtp-server';
import { DataSource } from 'typeorm';
import { ManualClock } from '../src/common/clock';
import { waitFor } from './helpers/notification-receiver';
import { expectProblem, TestApp } from './helpers/test-app';

/**
 * Email channels end to end: a real SMTP server (smtp-server) on 127.0.0.1 receives what the app sends through
 * nodemailer, parsed with mailparser. The app runs with the outbound guard on and only 127.0.0.1 allowed
 * (FETCH_ALLOW_HOSTS), so a refused host proves the guard sits in front of SMTP too.
 */
const INSTANCES = '/api/plugins/instances';
const CHANNELS = '/api/notifications/channels';
const USERNAME = 'pif-notifier';
const PASSWORD = 'correct horse battery staple';
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

interface Received {
  mail: ParsedMail;
  /** The SMTP envelope: MAIL FROM and RCPT TO. */
  from: string;
  rcptTo: string[];
  /** Who logged in (AUTH), if anyone. */
  user: string | undefined;
}

/**
 * An SMTP server on 127.0.0.1 only that takes a login when one is offered and keeps every message. Without STARTTLS
 * unless `options` say otherwise (smtp-server's TLS uses its built-in self-signed certificate).
 */
class MailServer {
  readonly received: Received[] = [];
  connections = 0;
  port = 0;
  private readonly server: SMTPServer;

  constructor(options: Partial<SMTPServerOptions> = { disabledCommands: ['STARTTLS'] }) {
    this.server = new SMTPServer({
      logger: false,
      ...options,
      authOptional: true,
      allowInsecureAuth: true,
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onAuth: (auth, _session, callback) => {
        if (auth.username === USERNAME && auth.password === PASSWORD) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData: (stream, session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            const address = (value: SMTPServerAddress | false) => (value ? value.address : '');
            this.received.push({ mail, from: address(session.envelope.mailFrom), rcptTo: session.envelope.rcptTo.map(address), user: session.user as string | undefined });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
  }

  async start(): Promise<this> {
    // A client that gives up on the TLS handshake (an untrusted certificate) is an error event here: expected.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  to(address: string): Received[] {
    return this.received.filter((r) => r.rcptTo.includes(address));
  }
}

const addresses = (field: AddressObject | AddressObject[] | undefined) => (Array.isArray(field) ? field : field ? [field] : []).flatMap((group) => group.value.map((entry) => entry.address));

describe('email notification channels', () => {
  let app: TestApp;
  let smtp: MailServer;

  beforeAll(async () => {
    smtp = await new MailServer().start();
    app = await TestApp.start({ clock: new ManualClock(Date.now()), env: { FETCH_ALLOW_HOSTS: '127.0.0.1' } });
  });

  afterAll(async () => {
    await app.close();
    app.removeData();
    await smtp.stop();
  });

  /** A unique recipient per test, so each test reads only its own mail. */
  const mailbox = () => `${unique('ops')}@example.org`;

  const emailConfig = (to: string, extra: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: smtp.port, security: 'none', username: USERNAME, password: PASSWORD, from: 'PIF <pif@example.org>', to: [to], ...extra });

  async function createChannel(config: Record<string, unknown>, fields: Record<string, unknown> = {}): Promise<any> {
    const response = await app.post(CHANNELS, { name: unique('email'), type: 'email', config, events: ['execution.failed'], instance_ids: ['00000000-0000-4000-8000-000000000000'], ...fields });
    expect(response.status).toBe(201);
    return response.body;
  }

  const deliveries = async (channelId: string): Promise<any[]> => (await app.get(`/api/notifications/deliveries?channel_id=${channelId}`)).body.items;

  it('creates an email channel: defaults filled in, repeats dropped, the password masked in every answer and sealed at rest', async () => {
    const created = await app.post(CHANNELS, {
      name: unique('email'),
      type: 'email',
      config: { host: 'smtp.example.org', username: USERNAME, password: PASSWORD, from: 'PIF <pif@example.org>', to: ['ops@example.org', 'OPS@example.org', 'Lab <lab@example.org>', 'ops@example.org'] },
      events: ['execution.failed'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'email',
      config: { host: 'smtp.example.org', port: 587, security: 'starttls', username: USERNAME, password: '********', from: 'PIF <pif@example.org>', to: ['ops@example.org', 'Lab <lab@example.org>'] },
    });
    expect(created.body.signing_secret).toBeUndefined();
    const tls = await createChannel({ host: 'smtp.example.org', security: 'tls', from: 'pif@example.org', to: ['ops@example.org'] });
    expect(tls.config).toEqual({ host: 'smtp.example.org', port: 465, security: 'tls', from: 'pif@example.org', to: ['ops@example.org'] });

    const answers = [created, await app.get(`${CHANNELS}/${created.body.id}`), await app.get(CHANNELS), await app.request('PATCH', `${CHANNELS}/${created.body.id}`, { body: { enabled: false } })];
    for (const answer of answers) {
      expect(answer.status).toBeLessThan(300);
      expect(answer.text).not.toContain(PASSWORD);
    }
    const dataSource = app.app.get<DataSource>(getDataSourceToken());
    const rows: { id: string; config: string }[] = await dataSource.query('SELECT id, config FROM notification_channels');
    const stored = rows.find((row) => row.id === created.body.id)!.config;
    expect(stored).not.toContain(PASSWORD);
    expect(JSON.parse(stored)).toMatchObject({ host: 'smtp.example.org', username: USERNAME, password: expect.any(Object) });
  });

  it.each([
    ['no from', { host: 'smtp.example.org', to: ['a@example.org'] }, '/config/from'],
    ['a from that is two addresses', { host: 'smtp.example.org', from: 'a@example.org, b@example.org', to: ['a@example.org'] }, '/config/from'],
    ['a to address without a domain', { host: 'smtp.example.org', from: 'pif@example.org', to: ['a@example.org', 'ops'] }, '/config/to/1'],
    ['a to that is not a list', { host: 'smtp.example.org', from: 'pif@example.org', to: 'a@example.org' }, '/config/to'],
    ['no recipients', { host: 'smtp.example.org', from: 'pif@example.org', to: [] }, '/config/to'],
    ['51 recipients', { host: 'smtp.example.org', from: 'pif@example.org', to: Array.from({ length: 51 }, (_, i) => `r${i}@example.org`) }, '/config/to'],
    ['a username without a password', { host: 'smtp.example.org', username: 'u', from: 'pif@example.org', to: ['a@example.org'] }, '/config/password'],
    ['a password without a username', { host: 'smtp.example.org', password: 'p', from: 'pif@example.org', to: ['a@example.org'] }, '/config/username'],
    ['an unknown key', { host: 'smtp.example.org', from: 'pif@example.org', to: ['a@example.org'], url: 'https://x' }, '/config/url'],
    ['a bad security mode', { host: 'smtp.example.org', security: 'ssl', from: 'pif@example.org', to: ['a@example.org'] }, '/config/security'],
    ['no host', { from: 'pif@example.org', to: ['a@example.org'] }, '/config/host'],
    ['a host that is a URL', { host: 'smtp://smtp.example.org', from: 'pif@example.org', to: ['a@example.org'] }, '/config/host'],
    ['a host of 254 characters', { host: `${'a'.repeat(60)}.`.repeat(4) + 'abcdef.org', from: 'pif@example.org', to: ['a@example.org'] }, '/config/host'],
    ['port 0', { host: 'smtp.example.org', port: 0, from: 'pif@example.org', to: ['a@example.org'] }, '/config/port'],
    ['a port that is a string', { host: 'smtp.example.org', port: '25', from: 'pif@example.org', to: ['a@example.org'] }, '/config/port'],
  ])('refuses %s with 400 pointing at the field', async (_label, config, pointer) => {
    const response = await app.post(CHANNELS, { name: unique('bad'), type: 'email', config, events: ['execution.failed'] });
    expectProblem(response, 400, 'validation-failed');
    expect(response.body.errors.map((e: any) => e.path)).toContain(pointer);
  });

  it('sends a test message now, with the from, to and subject configured, and logs it as delivered', async () => {
    const to = mailbox();
    const channel = await createChannel(emailConfig(to, { to: [to, 'Second <second@example.org>'] }));
    const response = await app.post(`${CHANNELS}/${channel.id}/test`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ delivered: true, status_code: 250, error: null });

    const [received] = smtp.to(to);
    expect(received.user).toBe(USERNAME);
    expect(received.from).toBe('pif@example.org');
    expect(received.rcptTo).toEqual([to, 'second@example.org']);
    expect(received.mail.subject).toBe('[PIF] Test notification');
    expect(received.mail.from?.value).toEqual([{ name: 'PIF', address: 'pif@example.org' }]);
    expect(addresses(received.mail.to)).toEqual([to, 'second@example.org']);
    expect(received.mail.text).toContain('this channel works');
    expect(received.mail.messageId).toMatch(/^<test_[0-9a-f-]+@example\.org>$/);
    expect((await deliveries(channel.id))[0]).toMatchObject({ event: 'notification.test', outcome: 'delivered', status_code: 250, error: null, message_id: null });
  });

  it('resolves a hostname through the guard and sends to the checked address', async () => {
    // localhost resolves (from /etc/hosts) to 127.0.0.1 and maybe ::1; only 127.0.0.1 is allowed, and the server listens there.
    const to = mailbox();
    const channel = await createChannel(emailConfig(to, { host: 'localhost' }));
    expect((await app.post(`${CHANNELS}/${channel.id}/test`)).body).toMatchObject({ delivered: true });
    expect(smtp.to(to)).toHaveLength(1);
  });

  it("emails a failed run through the outbox: the instance first in the subject, the error and the ids in the body, the outbox id in the Message-ID", async () => {
    const name = unique('nightly-import');
    const instance = await app.post(INSTANCES, { template_id: 'fixture_function', name, config: { mode: 'throw', label: 'n' } });
    expect(instance.status).toBe(201);
    const to = mailbox();
    const channel = await createChannel(emailConfig(to), { instance_ids: [instance.body.id] });
    const failed = await app.post(`${INSTANCES}/${instance.body.id}/execute`);
    expect(failed.body.status).toBe('failed');

    const [received] = await waitFor('the email', () => smtp.to(to).length > 0 && smtp.to(to));
    // The name once the payload carries it, the id before.
    expect(received.mail.subject).toMatch(new RegExp(`^\\[PIF\\] (${name}|${instance.body.id}) failed$`));
    expect(received.mail.text).toContain('Error: ');
    expect(received.mail.text).toContain('blew up');
    expect(received.mail.text).toContain(failed.body.id);
    expect(received.mail.text).toContain('fixture_function');
    expect(received.mail.html).toBe(false);
    const [attempt] = await waitFor('the delivery log', async () => (await deliveries(channel.id)).length > 0 && deliveries(channel.id));
    expect(attempt).toMatchObject({ event: 'execution.failed', outcome: 'delivered', status_code: 250 });
    expect(received.mail.messageId).toBe(`<${attempt.message_id}@example.org>`);
    await delay(300);
    expect(smtp.to(to)).toHaveLength(1);
  });

  it('keeps the stored password when a change of config leaves it out: a later send still logs in', async () => {
    const first = mailbox();
    const channel = await createChannel(emailConfig(first));
    const next = mailbox();
    const changed = await app.request('PATCH', `${CHANNELS}/${channel.id}`, { body: { config: { host: '127.0.0.1', port: smtp.port, security: 'none', username: USERNAME, from: 'pif@example.org', to: [next] } } });
    expect(changed.status).toBe(200);
    expect(changed.body.config).toEqual({ host: '127.0.0.1', port: smtp.port, security: 'none', username: USERNAME, password: '********', from: 'pif@example.org', to: [next] });
    expect((await app.post(`${CHANNELS}/${channel.id}/test`)).body).toMatchObject({ delivered: true });
    expect(smtp.to(next).map((r) => r.user)).toEqual([USERNAME]);

    // A password alone is no login; a config without a username drops the stored password.
    expectProblem(await app.request('PATCH', `${CHANNELS}/${channel.id}`, { body: { config: { host: '127.0.0.1', password: 'x', from: 'pif@example.org', to: [next] } } }), 400, 'validation-failed');
    const anonymous = await app.request('PATCH', `${CHANNELS}/${channel.id}`, { body: { config: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'pif@example.org', to: [next] } } });
    expect(anonymous.body.config).toEqual({ host: '127.0.0.1', port: smtp.port, security: 'none', from: 'pif@example.org', to: [next] });
    expect((await app.post(`${CHANNELS}/${channel.id}/test`)).body).toMatchObject({ delivered: true });
    expect(smtp.to(next).map((r) => r.user)).toEqual([USERNAME, undefined]);
  });

  it('logs a wrong password as failed with the SMTP error and reply code', async () => {
    const to = mailbox();
    const channel = await createChannel(emailConfig(to, { password: 'wrong' }));
    const response = await app.post(`${CHANNELS}/${channel.id}/test`);
    expect(response.body).toEqual({ delivered: false, status_code: 535, error: expect.stringContaining('Invalid login') });
    expect(response.body.error).toContain('Invalid username or password');
    expect((await deliveries(channel.id))[0]).toMatchObject({ outcome: 'failed', status_code: 535, error: response.body.error });
    expect(smtp.to(to)).toHaveLength(0);
  });

  it('fails, and sends nothing, when security is starttls and the server does not offer STARTTLS', async () => {
    const to = mailbox();
    const channel = await createChannel(emailConfig(to, { security: 'starttls' }));
    const response = await app.post(`${CHANNELS}/${channel.id}/test`);
    expect(response.body).toMatchObject({ delivered: false, error: expect.stringContaining('STARTTLS') });
    expect(response.body.error).toContain('security "starttls" needs the server to offer STARTTLS');
    expect((await deliveries(channel.id))[0]).toMatchObject({ outcome: 'failed' });
    expect(smtp.to(to)).toHaveLength(0);
  });

  it("checks the server's certificate in tls and starttls modes: smtp-server's self-signed one is refused and nothing is sent", async () => {
    const tlsServer = await new MailServer({ secure: true }).start();
    const startTlsServer = await new MailServer({}).start();
    try {
      for (const [security, server] of [['tls', tlsServer], ['starttls', startTlsServer]] as const) {
        const channel = await createChannel(emailConfig(mailbox(), { host: 'localhost', port: server.port, security }));
        const response = await app.post(`${CHANNELS}/${channel.id}/test`);
        expect(response.body).toMatchObject({ delivered: false, status_code: null, error: expect.stringMatching(/certificate/i) });
        // The error names the certificate: the handshake took place, with the server, and failed on it.
        expect(server.received).toHaveLength(0);
      }
    } finally {
      await tlsServer.stop();
      await startTlsServer.stop();
    }
  });

  it('refuses a host the guard does not allow before any connection is made', async () => {
    const before = smtp.connections;
    // 127.0.0.2 is loopback but not in FETCH_ALLOW_HOSTS.
    const refused = await createChannel(emailConfig(mailbox(), { host: '127.0.0.2' }));
    const response = await app.post(`${CHANNELS}/${refused.id}/test`);
    expect(response.body).toEqual({ delivered: false, status_code: null, error: expect.stringContaining('connection to 127.0.0.2 refused: a loopback address (127.0.0.0/8)') });
    expect((await deliveries(refused.id))[0]).toMatchObject({ outcome: 'failed', error: response.body.error });

    // Without the allow-list, the server's own address, by IP and by a name resolving to it, is refused too.
    const guarded = await TestApp.start();
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const created = await guarded.post(CHANNELS, { name: unique('guarded'), type: 'email', config: emailConfig(mailbox(), { host }), events: ['execution.failed'] });
        expect(created.status).toBe(201);
        const answer = await guarded.post(`${CHANNELS}/${created.body.id}/test`);
        expect(answer.body).toMatchObject({ delivered: false, status_code: null, error: expect.stringMatching(/^connection to (127\.0\.0\.1|::1)( \(localhost resolves to it\))? refused/) });
      }
    } finally {
      await guarded.close();
      guarded.removeData();
    }
    expect(smtp.connections).toBe(before);
  });
});
