import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Endpoint } from '../auth/endpoint.decorator';
import { mapPage } from '../common/pagination';
import { UuidParam } from '../common/path-params.dto';
import { CreatedNotificationChannelDto, CreateNotificationChannelDto, NotificationChannelDto, NotificationChannelListDto, UpdateNotificationChannelDto } from './dto/notification-channel.dto';
import { ListDeliveriesQueryDto, NotificationDeliveryDto, NotificationDeliveryListDto, TestSendResultDto } from './dto/notification-delivery.dto';
import { DELIVERY_LIST_EXAMPLES, TEST_SEND_EXAMPLES } from './dto/notification-delivery.examples';
import { CHANNEL_EXAMPLES, CHANNEL_LIST_EXAMPLES, CREATE_CHANNEL_EXAMPLES, CREATED_CHANNEL_EXAMPLES, UPDATE_CHANNEL_EXAMPLES } from './dto/notification-channel.examples';
import { NotificationChannelsService } from './notification-channels.service';

const CHANNEL_ID = { description: 'Notification channel id (uuid).', example: '1c9e7a53-4b2d-4f6e-9a8c-0d2e4f6a8b1c' };

@ApiTags('notifications')
@Controller('api/notifications')
export class NotificationChannelsController {
  constructor(private readonly channels: NotificationChannelsService) {}

  @Post('channels')
  @Endpoint({
    operationId: 'createNotificationChannel',
    summary: 'Create a notification channel',
    description:
      'A place run outcomes are announced: `webhook` (a JSON POST signed per Standard Webhooks) or `slack` (an incoming webhook). ' +
      'The config is checked for its type; its secrets are sealed and never shown again, except a webhook secret generated here, answered this once.',
    scope: 'admin',
    body: { type: CreateNotificationChannelDto, examples: CREATE_CHANNEL_EXAMPLES },
    ok: {
      status: 201,
      type: CreatedNotificationChannelDto,
      description: 'Created; `signing_secret` only when generated, shown this once.',
      examples: CREATED_CHANNEL_EXAMPLES,
      headers: { Location: { description: 'URL of the channel.', schema: { type: 'string', example: '/api/notifications/channels/1c9e7a53-4b2d-4f6e-9a8c-0d2e4f6a8b1c' } } },
    },
    problems: ['validation-failed', 'malformed-json', 'channel-name-taken', 'payload-too-large', 'unsupported-media-type'],
  })
  async create(@Body() body: CreateNotificationChannelDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<CreatedNotificationChannelDto> {
    const { channel, generatedSecret } = await this.channels.create(body);
    void reply.header('location', `/api/notifications/channels/${channel.id}`);
    return { ...NotificationChannelDto.from(channel), ...(generatedSecret ? { signing_secret: generatedSecret } : {}) };
  }

  @Get('channels')
  @Endpoint({
    operationId: 'listNotificationChannels',
    summary: 'List notification channels',
    description: 'Every channel, oldest first, secrets masked.',
    scope: 'read',
    ok: { status: 200, type: NotificationChannelListDto, description: 'The channels.', examples: CHANNEL_LIST_EXAMPLES },
    problems: [],
  })
  async list(): Promise<NotificationChannelListDto> {
    return { items: (await this.channels.list()).map((channel) => NotificationChannelDto.from(channel)) };
  }

  @Get('channels/:id')
  @Endpoint({
    operationId: 'getNotificationChannel',
    summary: 'Get a notification channel',
    description: 'One channel, secrets masked.',
    scope: 'read',
    params: { id: CHANNEL_ID },
    ok: { status: 200, type: NotificationChannelDto, description: 'The channel.', examples: CHANNEL_EXAMPLES },
    problems: ['channel-not-found'],
  })
  async get(@Param() { id }: UuidParam): Promise<NotificationChannelDto> {
    return NotificationChannelDto.from(await this.channels.get(id));
  }

  @Patch('channels/:id')
  @Endpoint({
    operationId: 'updateNotificationChannel',
    summary: 'Change a notification channel',
    description:
      'Replaces the fields given (name, config, events, filters, enabled); its type cannot change. A new config is checked and sealed as on create; ' +
      'a webhook config without `secret` keeps the current secret. Messages already in the outbox are sent with the channel as it is when they go out.',
    scope: 'admin',
    params: { id: CHANNEL_ID },
    body: { type: UpdateNotificationChannelDto, examples: UPDATE_CHANNEL_EXAMPLES },
    ok: { status: 200, type: NotificationChannelDto, description: 'The channel as changed.', examples: CHANNEL_EXAMPLES },
    problems: ['validation-failed', 'malformed-json', 'channel-not-found', 'channel-name-taken', 'payload-too-large', 'unsupported-media-type'],
  })
  async update(@Param() { id }: UuidParam, @Body() body: UpdateNotificationChannelDto): Promise<NotificationChannelDto> {
    return NotificationChannelDto.from(await this.channels.update(id, body));
  }

  @Delete('channels/:id')
  @Endpoint({
    operationId: 'deleteNotificationChannel',
    summary: 'Delete a notification channel',
    description: 'Deletes the channel: it announces nothing from now on.',
    scope: 'admin',
    params: { id: CHANNEL_ID },
    ok: { status: 204, description: 'Deleted.' },
    problems: ['channel-not-found'],
  })
  async delete(@Param() { id }: UuidParam): Promise<void> {
    await this.channels.delete(id);
  }

  @Post('channels/:id/test')
  @HttpCode(200)
  @Endpoint({
    operationId: 'testNotificationChannel',
    summary: 'Send a test notification',
    description:
      'Sends a `notification.test` message to the channel now, signed as real ones are, and answers how the receiver took it. ' +
      'It is not retried; the attempt is in the delivery log. A private address is refused by the outbound guard unless FETCH_ALLOW_HOSTS allows it.',
    scope: 'admin',
    params: { id: CHANNEL_ID },
    ok: { status: 200, type: TestSendResultDto, description: 'How the attempt went (a receiver error is still a 200 here).', examples: TEST_SEND_EXAMPLES },
    problems: ['channel-not-found'],
  })
  async test(@Param() { id }: UuidParam): Promise<TestSendResultDto> {
    return TestSendResultDto.from(await this.channels.testSend(id));
  }

  @Get('deliveries')
  @Endpoint({
    operationId: 'listNotificationDeliveries',
    summary: 'List notification delivery attempts',
    description:
      'Every attempt to send a notification (delivered, failed and retried later, or dead: no more attempts), newest first; cursor-paginated. ' +
      'Attempts logged while a client pages are not repeated or skipped: they come before the first page.',
    scope: 'read',
    ok: { status: 200, type: NotificationDeliveryListDto, description: 'The attempts.', examples: DELIVERY_LIST_EXAMPLES },
    problems: ['validation-failed', 'channel-not-found'],
  })
  async deliveries(@Query() query: ListDeliveriesQueryDto): Promise<NotificationDeliveryListDto> {
    return mapPage(await this.channels.deliveries(query.channel_id, query), (entity) => NotificationDeliveryDto.from(entity));
  }
}
