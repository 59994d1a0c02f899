import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../auth/endpoint.decorator';
import { Clock } from '../common/clock';
import { INSTANCE_ID_PARAM, UuidParam } from '../common/path-params.dto';
import { DraftSchedulePreviewDto, DraftSchedulePreviewRequestDto, SchedulePreviewDto, SchedulePreviewQueryDto, UpcomingScheduleDto, UpcomingScheduleQueryDto } from './dto/schedule-view.dto';
import { DRAFT_PREVIEW_EXAMPLES, DRAFT_PREVIEW_REQUEST_EXAMPLES, PREVIEW_EXAMPLES, UPCOMING_EXAMPLES } from './dto/schedule.examples';
import { ScheduleViewService } from './schedule-view.service';

const DAY_SECONDS = 86_400;

@ApiTags('instances')
@Controller('api/plugins')
export class ScheduleController {
  constructor(
    private readonly schedules: ScheduleViewService,
    private readonly clock: Clock,
  ) {}

  @Get('schedule')
  @Endpoint({
    operationId: 'listUpcomingFires',
    summary: 'What runs next',
    description: 'Upcoming fires of every enabled schedule of an enabled instance, from now until `until`, soonest first.',
    scope: 'read',
    ok: { status: 200, type: UpcomingScheduleDto, description: 'Upcoming fires.', examples: UPCOMING_EXAMPLES },
    problems: ['validation-failed'],
  })
  async upcoming(@Query() query: UpcomingScheduleQueryDto): Promise<UpcomingScheduleDto> {
    const until = query.until !== undefined ? Date.parse(query.until) / 1000 : this.clock.nowSeconds() + DAY_SECONDS;
    const items = await this.schedules.upcoming(until, query.limit ?? 50);
    return { until: new Date(until * 1000).toISOString(), items };
  }

  @Get('instances/:id/schedule/preview')
  @Endpoint({
    operationId: 'previewInstanceSchedule',
    summary: "Preview an instance's schedule",
    description: "The next `count` fire times of the instance's schedule, in UTC and in the schedule's time zone, flagging local times a DST change skips (`nonexistent`) or repeats (`ambiguous`). An instance without a schedule answers an empty list.",
    scope: 'read',
    params: INSTANCE_ID_PARAM,
    ok: { status: 200, type: SchedulePreviewDto, description: 'The next fire times.', examples: PREVIEW_EXAMPLES },
    problems: ['instance-not-found'],
  })
  async preview(@Param() { id }: UuidParam, @Query() query: SchedulePreviewQueryDto): Promise<SchedulePreviewDto> {
    const preview = await this.schedules.preview(id, query.count ?? 10);
    return { instance_id: id, ...preview };
  }

  @Post('schedule/preview')
  @Endpoint({
    operationId: 'previewDraftSchedule',
    summary: 'Preview a schedule before saving it',
    description:
      "The next `count` fire times of a schedule given in the body, as an instance's `schedule` would take it: the same checks and 400 errors (JSON Pointers under `/schedule`), and the same DST flags as an instance's preview. Nothing is saved; for an editor that shows what a cron means while it is typed.",
    scope: 'read',
    body: { type: DraftSchedulePreviewRequestDto, examples: DRAFT_PREVIEW_REQUEST_EXAMPLES },
    ok: { status: 200, type: DraftSchedulePreviewDto, description: 'The schedule as it would be saved and its next fire times.', examples: DRAFT_PREVIEW_EXAMPLES },
    problems: ['validation-failed'],
  })
  previewDraft(@Body() body: DraftSchedulePreviewRequestDto): DraftSchedulePreviewDto {
    return this.schedules.previewDraft(body.schedule, body.count ?? 10);
  }
}
