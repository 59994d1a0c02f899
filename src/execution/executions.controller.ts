import { Controller, Get, Headers, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/access.decorators';
import { Endpoint } from '../auth/endpoint.decorator';
import type { Principal } from '../auth/principal';
import { ValidationFailedError } from '../common/domain-errors';
import { mapPage } from '../common/pagination';
import { ExecutionIdParam, INSTANCE_ID_PARAM, UuidParam } from '../common/path-params.dto';
import { ExecuteQueryDto, ExecutionEventsQueryDto, ListExecutionsQueryDto } from './dto/execution-requests.dto';
import { ExecutionDto, ExecutionLogLineDto, ExecutionLogListDto, ExecutionPageDto, ExecutionStatsDto } from './dto/execution.dto';
import { ExecutionService } from './execution.service';
import { EXECUTION_EVENT_STREAM_EXAMPLES, EXECUTION_EXAMPLES, EXECUTION_LOG_EXAMPLES, EXECUTION_PAGE_EXAMPLES, EXECUTION_STATS_EXAMPLES } from './dto/execution.examples';
import { StreamItem } from './event-replay';
import { serverSentEvent, writeEventStream } from './event-stream-response';

const EXECUTION_ID_PARAM = { execution_id: { description: 'Execution id (uuid).', example: '8a0e6c52-1d3b-4f7a-b2c9-5e4d3f2a1b0c' } };
const LOCATION_HEADER = { Location: { description: 'URL of the execution.', schema: { type: 'string', example: '/api/plugins/executions/8a0e6c52-1d3b-4f7a-b2c9-5e4d3f2a1b0c' } } };
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
/** One change of a run on the wire. */
function executionEvent(item: StreamItem): string {
  if (item.type === 'resync') return serverSentEvent(null, 'resync', { reason: item.reason });
  return serverSentEvent(item.id, item.type, item.type === 'status' ? ExecutionDto.from(item.execution) : item.progress);
}

/** RFC 7240: does the Prefer header ask for respond-async? */
const prefersAsync = (prefer: string | undefined): boolean =>
  (prefer ?? '').split(',').some((token) => token.trim().split(/[;=\s]/)[0].toLowerCase() === 'respond-async');

function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new ValidationFailedError('Idempotency-Key must be 1 to 200 printable ASCII characters without spaces', [
      { path: '/headers/Idempotency-Key', message: 'must be 1 to 200 printable ASCII characters without spaces' },
    ]);
  }
  return header;
}

@ApiTags('executions')
@Controller('api/plugins')
export class ExecutionsController {
  constructor(private readonly executions: ExecutionService) {}

  @Post('instances/:id/execute')
  @Endpoint({
    operationId: 'executeInstance',
    summary: 'Run an instance',
    description:
      "Queues a run of the instance's handler with its config (template defaults applied). Without `Prefer: respond-async` the call waits for the final outcome (after any retries) and answers 200; " +
      'a failed run is still a 200 whose `status` says `failed` and whose `error` says why. With it, the answer is 202 with a Location to poll. One run per instance at a time. ' +
      "`?version=N` runs version N's config (and execution policy) without changing the instance: the run names N as `config_version` and `pinned_version`, and so do its retries (a version saved under an older template version runs migrated). " +
      'An instance whose config could not be migrated to the loaded template version (`config_error`) is refused with 409 `config-migration-failed` or `template-version-newer` until fixed.',
    scope: 'execute',
    params: INSTANCE_ID_PARAM,
    // No examples on these two: Swagger UI would pre-fill them into every "Try it out" request.
    headers: [
      {
        name: 'Idempotency-Key',
        required: false,
        description: 'Retrying with the same key (per instance, 24 h) returns the same run instead of starting another, e.g. `import-2026-11-24`. 1 to 200 printable ASCII characters, no spaces.',
        schema: { type: 'string', minLength: 1, maxLength: 200, pattern: IDEMPOTENCY_KEY.source },
      },
      { name: 'Prefer', required: false, description: 'Send `respond-async` to get 202 as soon as the run is queued instead of waiting for it.' },
    ],
    ok: [
      { status: 200, type: ExecutionDto, description: 'The finished run (its final attempt).', examples: EXECUTION_EXAMPLES.finished },
      {
        status: 202,
        type: ExecutionDto,
        description: 'Queued (Prefer: respond-async).',
        examples: EXECUTION_EXAMPLES.queued,
        headers: { ...LOCATION_HEADER, 'Preference-Applied': { description: 'respond-async', schema: { type: 'string', example: 'respond-async' } } },
      },
    ],
    problems: ['validation-failed', 'instance-not-found', 'version-not-found', 'instance-disabled', 'template-unavailable', 'config-migration-failed', 'template-version-newer', 'execution-in-progress', 'service-unavailable'],
  })
  async execute(
    @Param() { id }: UuidParam,
    @Headers('prefer') prefer: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Query() query: ExecuteQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const respondAsync = prefersAsync(prefer);
    const execution = await this.executions.execute(id, { type: 'manual' }, { async: respondAsync, idempotencyKey: idempotencyKeyOf(idempotencyKey), principal, version: query.version });
    if (respondAsync) void reply.status(202).header('preference-applied', 'respond-async');
    else void reply.status(200);
    await reply.header('location', `/api/plugins/executions/${execution.id}`).send(ExecutionDto.from(execution));
  }

  @Get('instances/:id/executions')
  @Endpoint({
    operationId: 'listInstanceExecutions',
    summary: "List an instance's runs",
    description: 'Run history of one instance (every attempt), newest first, optionally by status and by what started the run (`trigger`); cursor-paginated.',
    scope: 'read',
    params: INSTANCE_ID_PARAM,
    ok: { status: 200, type: ExecutionPageDto, description: 'A page of runs.', examples: EXECUTION_PAGE_EXAMPLES },
    problems: ['validation-failed', 'instance-not-found'],
  })
  async list(@Param() { id }: UuidParam, @Query() query: ListExecutionsQueryDto): Promise<ExecutionPageDto> {
    const page = await this.executions.listForInstance(id, query);
    return mapPage(page, ExecutionDto.from);
  }

  @Get('executions/stats')
  @Endpoint({
    operationId: 'getExecutionStats',
    summary: 'Count runs',
    description: 'Every recorded run (each attempt, within the history each instance keeps), counted by status and by what started it.',
    scope: 'read',
    ok: { status: 200, type: ExecutionStatsDto, description: 'The counts.', examples: EXECUTION_STATS_EXAMPLES },
    problems: [],
  })
  async stats(): Promise<ExecutionStatsDto> {
    return this.executions.stats();
  }

  @Get('executions/:execution_id')
  @Endpoint({
    operationId: 'getExecution',
    summary: 'Get a run',
    description: 'One run: status, timings, progress, result or error.',
    scope: 'read',
    params: EXECUTION_ID_PARAM,
    ok: { status: 200, type: ExecutionDto, description: 'The run.', examples: EXECUTION_EXAMPLES.get },
    problems: ['execution-not-found'],
  })
  async get(@Param() { execution_id: executionId }: ExecutionIdParam): Promise<ExecutionDto> {
    return ExecutionDto.from(await this.executions.get(executionId));
  }

  @Post('executions/:execution_id/cancel')
  @Endpoint({
    operationId: 'cancelExecution',
    summary: 'Cancel a run',
    description: "A queued run is cancelled at once. A running one has its signal aborted; it ends `cancelled` when the handler stops, or after CANCEL_GRACE_MS if it does not (its late result is ignored).",
    scope: 'execute',
    params: EXECUTION_ID_PARAM,
    ok: { status: 202, type: ExecutionDto, description: 'Cancellation accepted; the run as it is now.', examples: EXECUTION_EXAMPLES.cancelling },
    problems: ['execution-not-found', 'execution-finished'],
  })
  async cancel(@Param() { execution_id: executionId }: ExecutionIdParam): Promise<ExecutionDto> {
    return ExecutionDto.from(await this.executions.cancel(executionId));
  }

  @Get('executions/:execution_id/events')
  @Endpoint({
    operationId: 'streamExecutionEvents',
    summary: "Follow a run's status and progress",
    description:
      'Server-sent events until the run ends: `status` events carry the execution, `progress` events `{current, total?, message?}`. ' +
      'Each of them has an `id` (`3f9a1c02-57-r`: server process, position, phase), increasing through the stream. ' +
      'A stream starts with `retry: 1000` (reconnect after 1 s) and the run as it is now: its status, then its latest progress while it runs. ' +
      'It closes after the final status, so for a finished run it is that one event. A comment line every 15 s keeps idle connections open. ' +
      'To resume after a dropped connection, send the id of the last event received as `Last-Event-ID` (EventSource does this when it reconnects) or as `last_event_id`: ' +
      'the stream then starts with what the client missed, every status it has not seen in order and the latest progress reported after its id (progress in between is coalesced), never an event it had, and goes on live. ' +
      'When that cannot be told, a `resync` event `{reason}` comes first and the run as it is now follows; `reason` is `other_process` (an id from another server process, as after a restart), ' +
      '`expired` (the run ended more than 5 minutes ago, or more than 1000 runs have ended since, and its events are no longer kept), `invalid_id` (a header that is no id of this API) or `unknown_id` (an id this process did not send for this run). ' +
      'A client that already has the final status gets 204, which stops EventSource reconnecting.',
    scope: 'read',
    params: EXECUTION_ID_PARAM,
    // No example: Swagger UI would pre-fill it into every "Try it out" request.
    headers: [
      {
        name: 'Last-Event-ID',
        required: false,
        description:
          'The `id` of the last event received, to resume after it. A value that is no id of this API gets a `resync` event and the current state rather than a 400, ' +
          'because EventSource sends back whatever id it last saw (from an older server version, say) and stops for good on a 4xx.',
        schema: { type: 'string' },
      },
    ],
    ok: [
      {
        status: 200,
        description: 'An event stream: `status`, `progress` and `resync` events, and `: keep-alive` comments.',
        content: { 'text/event-stream': { schema: { type: 'string' }, examples: EXECUTION_EVENT_STREAM_EXAMPLES } },
      },
      { status: 204, description: 'The client already has the final status (its Last-Event-ID says so): there is nothing more to send.' },
    ],
    problems: ['validation-failed', 'execution-not-found'],
  })
  async events(
    @Param() { execution_id: executionId }: ExecutionIdParam,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query() query: ExecutionEventsQueryDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const closed = new AbortController();
    // Listening before the run is read: a client that leaves meanwhile ends the stream at once.
    reply.raw.on('close', () => closed.abort());
    // The header is what EventSource sends on reconnecting, newer than the URL it was opened with.
    const stream = await this.executions.watch(executionId, lastEventId ?? query.last_event_id, closed.signal);
    if (!stream) {
      await reply.status(204).send();
      return;
    }
    await writeEventStream(request, reply, stream, executionEvent);
  }

  @Get('executions/:execution_id/logs')
  @Endpoint({
    operationId: 'listExecutionLogs',
    summary: "A run's log",
    description: 'The lines the handler logged through ctx.log, in order.',
    scope: 'read',
    params: EXECUTION_ID_PARAM,
    ok: { status: 200, type: ExecutionLogListDto, description: 'The log lines.', examples: EXECUTION_LOG_EXAMPLES },
    problems: ['execution-not-found'],
  })
  async logs(@Param() { execution_id: executionId }: ExecutionIdParam): Promise<ExecutionLogListDto> {
    return { items: (await this.executions.listLogs(executionId)).map(ExecutionLogLineDto.from) };
  }
}
