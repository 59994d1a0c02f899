import { ApiExamples } from '../../common/api-examples';
import { NotificationDeliveryListDto, TestSendResultDto } from './notification-delivery.dto';

export const DELIVERY_LIST_EXAMPLES: ApiExamples<NotificationDeliveryListDto> = {
  retried: {
    summary: 'A failure notice delivered on its second attempt; older attempts follow',
    value: {
      items: [
        { id: 43, channel_id: '1c9e7a53-4b2d-4f6e-9a8c-0d2e4f6a8b1c', message_id: 'e2a4c6b8-0d1f-4e3a-9c5b-7d9f1b3e5a70', event: 'execution.failed', at: '2026-12-06T05:00:11.000Z', outcome: 'delivered', status_code: 200, error: null },
        { id: 42, channel_id: '1c9e7a53-4b2d-4f6e-9a8c-0d2e4f6a8b1c', message_id: 'e2a4c6b8-0d1f-4e3a-9c5b-7d9f1b3e5a70', event: 'execution.failed', at: '2026-12-06T05:00:01.000Z', outcome: 'failed', status_code: 500, error: 'answered 500' },
      ],
      next_cursor: 'WzQyXQ',
    },
  },
  last: {
    summary: 'The last page: nothing older',
    value: {
      items: [{ id: 7, channel_id: '1c9e7a53-4b2d-4f6e-9a8c-0d2e4f6a8b1c', message_id: null, event: 'notification.test', at: '2026-12-01T09:30:00.000Z', outcome: 'delivered', status_code: 200, error: null }],
      next_cursor: null,
    },
  },
};

export const TEST_SEND_EXAMPLES: ApiExamples<TestSendResultDto> = {
  delivered: { summary: 'The receiver took it', value: { delivered: true, status_code: 200, error: null } },
  refused: { summary: 'The receiver answered an error', value: { delivered: false, status_code: 401, error: 'answered 401' } },
  smtpLogin: { summary: 'The SMTP server refused the login (email)', value: { delivered: false, status_code: 535, error: 'Invalid login: 535 5.7.8 Authentication credentials invalid' } },
};
