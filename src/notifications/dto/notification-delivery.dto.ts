import { ApiProperty } from '@nestjs/swagger';
import { QueryIntField, StringField, UuidField } from '../../common/field.decorators';
import { PageDtoOf } from '../../common/page.dto';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../common/pagination';
import { epochSecondsToIso } from '../../common/time';
import type { NotificationDeliveryEntity } from '../notification-outbox.entity';
import type { SendResult } from '../notification-sender';

export class ListDeliveriesQueryDto {
  @UuidField({ description: 'Only attempts to this channel.', example: '1c9e7a53-4b2d-4f6e-9a8c-0d2e4f6a8b1c', optional: true })
  channel_id?: string;

  @QueryIntField({ description: 'Page size.', example: 50, min: 1, max: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  limit?: number;

  @StringField({ description: 'The `next_cursor` of the previous page.', optional: true, maxLength: 1000 })
  cursor?: string;
}

/** One attempt to send a notification. */
export class NotificationDeliveryDto {
  @ApiProperty({ type: 'integer', example: 42 })
  id: number;

  @ApiProperty({ format: 'uuid', example: '1c9e7a53-4b2d-4f6e-9a8c-0d2e4f6a8b1c' })
  channel_id: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The outbox message (also the `webhook-id` a webhook receiver sees, and the local part of an email Message-ID); null for a test send.', example: 'e2a4c6b8-0d1f-4e3a-9c5b-7d9f1b3e5a70' })
  message_id: string | null;

  @ApiProperty({ example: 'execution.failed', description: '`execution.failed`, `execution.succeeded` or `notification.test`.' })
  event: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-06T05:00:01.000Z' })
  at: string;

  @ApiProperty({ enum: ['delivered', 'failed', 'dead'], description: '`failed`: retried later; `dead`: the last attempt failed, no more are made.', example: 'delivered' })
  outcome: 'delivered' | 'failed' | 'dead';

  @ApiProperty({ type: 'integer', nullable: true, description: "The receiver's HTTP status (webhook, Slack) or the SMTP server's reply code (email); null when no answer came.", example: 200 })
  status_code: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it failed.', example: null })
  error: string | null;

  static from(entity: NotificationDeliveryEntity): NotificationDeliveryDto {
    return {
      id: Number(entity.id),
      channel_id: entity.channel_id,
      message_id: entity.outbox_id,
      event: entity.event,
      at: epochSecondsToIso(entity.at),
      outcome: entity.outcome,
      status_code: entity.status_code === null ? null : Number(entity.status_code),
      error: entity.error,
    };
  }
}

/** A page of attempts, newest first: `{items, next_cursor}` as every list. */
export class NotificationDeliveryListDto extends PageDtoOf(NotificationDeliveryDto) {}

/** How a test send went. */
export class TestSendResultDto {
  @ApiProperty({ description: 'The receiver answered 2xx, or the SMTP server accepted the message.', example: true })
  delivered: boolean;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The HTTP status or SMTP reply code; null when no answer came.', example: 200 })
  status_code: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it failed.', example: null })
  error: string | null;

  static from(result: SendResult): TestSendResultDto {
    return { delivered: result.delivered, status_code: result.statusCode, error: result.error };
  }
}
