import { ApiExamples } from '../../common/api-examples';
import { CreatedNotificationChannelDto, CreateNotificationChannelDto, NotificationChannelDto, NotificationChannelListDto, UpdateNotificationChannelDto } from './notification-channel.dto';

const WEBHOOK_CHANNEL: NotificationChannelDto = {
  id: '1c9e7a53-4b2d-4f6e-9a8c-0d2e4f6a8b1c',
  name: 'ops-alerts',
  type: 'webhook',
  config: { url: 'https://alerts.example.com/hooks/pif', secret: '********' },
  events: ['execution.failed', 'execution.recovered', 'instance.auto_disabled'],
  instance_ids: null,
  template_ids: null,
  enabled: true,
  failure_threshold: 3,
  group_window_seconds: 600,
  created_at: '2026-12-06T05:00:00.000Z',
};

const SLACK_CHANNEL: NotificationChannelDto = {
  id: '9a4c2e71-3d5b-4f8a-8e6c-7b1d0f2a4c6e',
  name: 'fetcher-slack',
  type: 'slack',
  config: { webhook_url: '********' },
  events: ['execution.failed', 'execution.succeeded'],
  instance_ids: ['3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15'],
  template_ids: null,
  enabled: true,
  failure_threshold: 1,
  group_window_seconds: 0,
  created_at: '2026-12-06T05:10:00.000Z',
};

const EMAIL_CHANNEL: NotificationChannelDto = {
  id: '5e8b1d2f-7a3c-4e6d-9b0a-2c4e6f8a0b1d',
  name: 'lab-admins-email',
  type: 'email',
  config: {
    host: 'smtp.example.org',
    port: 587,
    security: 'starttls',
    username: 'pif-notifier',
    password: '********',
    from: 'Plugin Instance Framework <pif@example.org>',
    to: ['lab-admins@example.org', 'oncall@example.org'],
  },
  events: ['execution.failed', 'execution.recovered'],
  instance_ids: null,
  template_ids: ['table_loader'],
  enabled: true,
  failure_threshold: 2,
  group_window_seconds: 3600,
  created_at: '2026-12-06T05:20:00.000Z',
};

export const CREATE_CHANNEL_EXAMPLES: ApiExamples<CreateNotificationChannelDto> = {
  webhook: {
    summary: 'A signed webhook: failures from the third in a row, the recovery, auto-disables; repeats grouped per 10 minutes (secret generated)',
    value: {
      name: 'ops-alerts',
      type: 'webhook',
      config: { url: 'https://alerts.example.com/hooks/pif' },
      events: ['execution.failed', 'execution.recovered', 'instance.auto_disabled'],
      failure_threshold: 3,
      group_window_seconds: 600,
    },
  },
  slack: {
    summary: 'Slack, for every outcome of one instance',
    value: { name: 'fetcher-slack', type: 'slack', config: { webhook_url: 'https://hooks.slack.com/services/T000/B000/XXXX' }, events: ['execution.failed', 'execution.succeeded'], instance_ids: ['3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15'], group_window_seconds: 0 },
  },
  email: {
    summary: 'Email through an SMTP server with STARTTLS and a login',
    value: {
      name: 'lab-admins-email',
      type: 'email',
      config: {
        host: 'smtp.example.org',
        username: 'pif-notifier',
        password: 'an-app-password',
        from: 'Plugin Instance Framework <pif@example.org>',
        to: ['lab-admins@example.org', 'oncall@example.org'],
      },
      events: ['execution.failed'],
      template_ids: ['table_loader'],
    },
  },
};

export const CREATED_CHANNEL_EXAMPLES: ApiExamples<CreatedNotificationChannelDto> = {
  webhook: { summary: 'A webhook channel: its generated secret, once', value: { ...WEBHOOK_CHANNEL, signing_secret: 'whsec_c2VjcmV0LWtleS1ieXRlcy1mb3ItdGhlLWV4YW1wbGUtMDE=' } },
  slack: { summary: 'A Slack channel: its URL masked', value: SLACK_CHANNEL },
  email: { summary: 'An email channel: its password masked, port and security filled in', value: EMAIL_CHANNEL },
};

export const CHANNEL_EXAMPLES: ApiExamples<NotificationChannelDto> = {
  webhook: { summary: 'A webhook channel', value: WEBHOOK_CHANNEL },
  email: { summary: 'An email channel', value: EMAIL_CHANNEL },
};

export const CHANNEL_LIST_EXAMPLES: ApiExamples<NotificationChannelListDto> = {
  channels: { summary: 'Three channels', value: { items: [WEBHOOK_CHANNEL, SLACK_CHANNEL, EMAIL_CHANNEL] } },
};

export const UPDATE_CHANNEL_EXAMPLES: ApiExamples<UpdateNotificationChannelDto> = {
  events: { summary: 'Announce successes too', value: { events: ['execution.failed', 'execution.succeeded'] } },
  pause: { summary: 'Pause the channel', value: { enabled: false } },
  quieter: { summary: 'Only from the fifth failure in a row, repeats grouped per hour', value: { failure_threshold: 5, group_window_seconds: 3600 } },
  url: { summary: 'A new receiver URL, the secret kept', value: { config: { url: 'https://alerts.example.com/hooks/pif-v2' } } },
  recipients: {
    summary: 'Email to one more address, the password kept',
    value: { config: { host: 'smtp.example.org', username: 'pif-notifier', from: 'Plugin Instance Framework <pif@example.org>', to: ['lab-admins@example.org', 'oncall@example.org', 'qa@example.org'] } },
  },
};
