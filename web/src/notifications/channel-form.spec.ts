import { channelConfig, channelFieldId, channelFieldTitle, channelForm, createChannelBody, errorsByField, localErrors, updateChannelBody, type ChannelForm } from './channel-form';

const channel = (type: 'webhook' | 'slack' | 'email', config: Record<string, unknown>) => ({
  id: '1c9e7a53-4b2d-4f6e-9a8c-0d2e4f6a8b1c',
  name: 'ops-alerts',
  type,
  config,
  events: ['execution.failed' as const],
  instance_ids: null,
  template_ids: ['table_loader'],
  failure_threshold: 3,
  group_window_seconds: 600,
  enabled: true,
  created_at: '2026-12-06T05:00:00.000Z',
});

describe('the notification channel form', () => {
  it('builds a webhook channel whose secret the server generates', () => {
    const form: ChannelForm = { ...channelForm(), name: ' ops-alerts ', webhook: { url: ' http://127.0.0.1:9000/hook ', secret: 'generate', newSecret: '' } };
    expect(createChannelBody(form)).toEqual({
      name: 'ops-alerts',
      type: 'webhook',
      config: { url: 'http://127.0.0.1:9000/hook' },
      events: ['execution.failed', 'execution.recovered'],
      failure_threshold: 1,
      group_window_seconds: 300,
      enabled: true,
    });
  });

  it('sends a secret of the user’s own when given one', () => {
    const form: ChannelForm = { ...channelForm(), webhook: { url: 'https://x.org', secret: 'new', newSecret: 'whsec_abc' } };
    expect(channelConfig(form)).toEqual({ url: 'https://x.org', secret: 'whsec_abc' });
  });

  it('keeps a stored webhook secret by leaving it out, and never sends the mask', () => {
    const form = channelForm(channel('webhook', { url: 'https://x.org/hook', secret: '********' }));
    expect(form.webhook).toEqual({ url: 'https://x.org/hook', secret: 'keep', newSecret: '' });
    const body = updateChannelBody(form);
    expect(body.config).toEqual({ url: 'https://x.org/hook' });
    expect(JSON.stringify(body)).not.toContain('********');
    expect(body).toMatchObject({ name: 'ops-alerts', events: ['execution.failed'], instance_ids: null, template_ids: ['table_loader'], failure_threshold: 3, group_window_seconds: 600, enabled: true });
    expect(updateChannelBody({ ...form, webhook: { ...form.webhook, secret: 'replace', newSecret: 'whsec_new' } }).config).toEqual({ url: 'https://x.org/hook', secret: 'whsec_new' });
  });

  it('keeps a stored Slack URL by sending no config at all (the URL is the whole config, and a secret)', () => {
    const form = channelForm(channel('slack', { webhook_url: '********' }));
    expect(form.slack.webhookUrl).toBe('keep');
    expect('config' in updateChannelBody(form)).toBe(false);
    expect(updateChannelBody({ ...form, slack: { webhookUrl: 'replace', newWebhookUrl: 'https://hooks.slack.com/services/T/B/x' } }).config).toEqual({ webhook_url: 'https://hooks.slack.com/services/T/B/x' });
  });

  it('keeps a stored SMTP password unless replaced, and drops the login when turned off', () => {
    const form = channelForm(channel('email', { host: 'smtp.example.org', port: 587, security: 'starttls', username: 'pif', password: '********', from: 'pif@example.org', to: ['a@example.org', 'b@example.org'] }));
    expect(form.email).toMatchObject({ host: 'smtp.example.org', port: '587', login: true, username: 'pif', password: 'keep', to: ['a@example.org', 'b@example.org'] });
    expect(channelConfig(form)).toEqual({ host: 'smtp.example.org', port: 587, security: 'starttls', username: 'pif', from: 'pif@example.org', to: ['a@example.org', 'b@example.org'] });
    expect(channelConfig({ ...form, email: { ...form.email, password: 'replace', newPassword: 'p2' } })).toMatchObject({ username: 'pif', password: 'p2' });
    const without = channelConfig({ ...form, email: { ...form.email, login: false } })!;
    expect('username' in without || 'password' in without).toBe(false);
  });

  it('leaves the port to its default when empty, and passes what is not a number on for the server to name', () => {
    const form = channelForm();
    const email: ChannelForm = { ...form, type: 'email', email: { ...form.email, host: 'smtp.example.org', from: 'pif@example.org', to: ['a@example.org'] } };
    expect(channelConfig(email)).toEqual({ host: 'smtp.example.org', security: 'starttls', from: 'pif@example.org', to: ['a@example.org'] });
    expect(channelConfig({ ...email, email: { ...email.email, port: '25x' } })!.port).toBe('25x');
  });

  it('sends filters as lists, or leaves them out (create) or null (edit) for "any"', () => {
    const form = { ...channelForm(), instanceIds: ['i-1'], templateIds: null };
    expect(createChannelBody(form)).toMatchObject({ instance_ids: ['i-1'] });
    expect('template_ids' in createChannelBody(form)).toBe(false);
    expect(updateChannelBody(form)).toMatchObject({ instance_ids: ['i-1'], template_ids: null });
  });

  it('says what is missing before asking the server', () => {
    const form = { ...channelForm(), events: [] };
    expect(localErrors(form).map((error) => error.path)).toEqual(['/name', '/events']);
    const edit = channelForm(channel('slack', { webhook_url: '********' }));
    expect(localErrors({ ...edit, slack: { webhookUrl: 'replace', newWebhookUrl: '' } })).toEqual([{ path: '/config/webhook_url', message: 'Enter the incoming-webhook URL Slack gave you.' }]);
  });

  it('places the server’s field errors on their controls by JSON Pointer', () => {
    expect(channelFieldId('/config/to/2')).toBe('channel-config-to-2');
    expect(channelFieldId('/events/0')).toBe('channel-events');
    expect(channelFieldId('/name')).toBe('channel-name');
    const { byField, other } = errorsByField(
      [
        { path: '/config/to/2', message: 'must be one email address' },
        { path: '/config/to/2', message: 'again' },
        { path: '/config/nonsense', message: 'is not an email channel setting' },
      ],
      new Set(['channel-config-to-2', 'channel-name']),
    );
    expect(byField.get('channel-config-to-2')).toEqual(['must be one email address', 'again']);
    expect(other.map((error) => error.path)).toEqual(['/config/nonsense']);
  });

  it('names the controls in the error summary as their labels do', () => {
    expect(channelFieldTitle('/config/to/2')).toBe('Recipient 3');
    expect(channelFieldTitle('/config/to')).toBe('To');
    expect(channelFieldTitle('/events/1')).toBe('Announce');
    expect(channelFieldTitle('/config/url')).toBe('URL');
    expect(channelFieldTitle('/config/nonsense')).toBe('/config/nonsense');
  });
});
