import { Controller, Get, Headers, Param, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Endpoint } from '../auth/endpoint.decorator';
import { INSTANCE_ID_PARAM, UuidParam } from '../common/path-params.dto';
import { InstanceDto } from '../instances/dto/instance.dto';
import { ExecutionDto } from './dto/execution.dto';
import { RUN_ACTIVITY_STREAM_EXAMPLES } from './dto/execution.examples';
import { serverSentEvent, writeEventStream } from './event-stream-response';
import { ActivityItem, RunActivityService } from './run-activity.service';

/** One item of a stream of runs on the wire. */
function activityEvent(item: ActivityItem): string {
  if (item.type === 'resync') return serverSentEvent(null, 'resync', { reason: item.reason });
  if (item.type === 'instance') return serverSentEvent(null, 'instance', InstanceDto.from(item.instance));
  return serverSentEvent(item.id, item.type, ExecutionDto.brief(item.execution));
}

const WHAT_IS_SENT =
  'A `queued` event when a run is queued (an execute with `Prefer: respond-async`, a schedule slot, a webhook delivery, an upstream trigger, a retry), `running` when it starts (a run started at once skips `queued`), ' +
  'and `finished` when it ends, whatever the status (a retried attempt included; its retry comes as a new run). Each carries the execution as GET /executions/{execution_id} returns it, ' +
  'without `trigger.payload` (a webhook body may be large; GET the execution for it); `finished` carries the outcome (`status`, `result`, `error`, `duration_ms`). ' +
  'After each `finished`, an `instance` event carries the instance as GET /instances/{id} returns it then: its new `status`, `last_run` and `last_result`. ' +
  'Progress is not sent here: follow one run with GET /executions/{execution_id}/events. ' +
  'The stream starts with `retry: 1000` and then stays open, sending only what happens from then on, with a comment line every 15 s to keep idle connections open; it ends when the client goes away or the server shuts down. ' +
  'Run events have an `id` (`3f9a1c02-57`: server process, position); nothing is replayed: a client that reconnects with `Last-Event-ID` (EventSource does) gets a `resync` event `{reason: "reconnected"}` first ' +
  'and should read the runs and the instance again from the REST endpoints, then apply what follows. Opening a stream counts as one request for the rate limit, however long it stays open.';

const LAST_EVENT_ID = {
  name: 'Last-Event-ID',
  required: false,
  description: 'Sent by a client that reconnects (any value): the stream then starts with a `resync` event, since it replays nothing.',
  schema: { type: 'string' },
};

/**
 * Event streams of runs by instance rather than by execution: the console follows runs it did not start with them.
 * In the execution module (the engine announces runs), under the instances path as the other execution-owned routes.
 */
@ApiTags('executions')
@Controller('api/plugins')
export class RunActivityController {
  constructor(private readonly activity: RunActivityService) {}

  @Get('instances/:id/events')
  @Endpoint({
    operationId: 'streamInstanceRunEvents',
    summary: "Follow an instance's runs as they are queued, start and finish",
    description: `Server-sent events about every run of one instance, whoever or whatever started it. ${WHAT_IS_SENT}`,
    scope: 'read',
    params: INSTANCE_ID_PARAM,
    // No example: Swagger UI would pre-fill it into every "Try it out" request.
    headers: [LAST_EVENT_ID],
    ok: {
      status: 200,
      description: 'An event stream: `queued`, `running`, `finished`, `instance` and `resync` events, and `: keep-alive` comments.',
      content: { 'text/event-stream': { schema: { type: 'string' }, examples: RUN_ACTIVITY_STREAM_EXAMPLES } },
    },
    problems: ['instance-not-found'],
  })
  async instanceEvents(@Param() { id }: UuidParam, @Headers('last-event-id') lastEventId: string | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.stream(id, lastEventId, request, reply);
  }

  @Get('executions/events')
  @Endpoint({
    operationId: 'streamRunEvents',
    summary: 'Follow every run as it is queued, starts and finishes',
    description: `Server-sent events about the runs of every instance, as GET /instances/{id}/events sends them for one (the console's instance list keeps each instance's status and last run current with it). ${WHAT_IS_SENT}`,
    scope: 'read',
    headers: [LAST_EVENT_ID],
    ok: {
      status: 200,
      description: 'An event stream: `queued`, `running`, `finished`, `instance` and `resync` events, and `: keep-alive` comments.',
      content: { 'text/event-stream': { schema: { type: 'string' }, examples: RUN_ACTIVITY_STREAM_EXAMPLES } },
    },
    problems: [],
  })
  async allEvents(@Headers('last-event-id') lastEventId: string | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.stream(null, lastEventId, request, reply);
  }

  private async stream(instanceId: string | null, lastEventId: string | undefined, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const closed = new AbortController();
    // Listening before the instance is read: a client that leaves meanwhile ends the stream at once.
    reply.raw.on('close', () => closed.abort());
    const items = await this.activity.watch(instanceId, lastEventId, closed.signal);
    await writeEventStream(request, reply, items, activityEvent);
  }
}
