import { ApiProperty } from '@nestjs/swagger';

export class SchedulerTickDto {
  @ApiProperty({ type: String, format: 'date-time', description: "The scheduler's clock when the tick began: the time it fired slots against.", example: '2026-12-06T09:30:00.000Z' })
  started_at: string;

  @ApiProperty({ minimum: 0, description: 'Milliseconds the tick took to find and fire every due slot.', example: 41.37 })
  duration_ms: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Instances whose next slot had come.', example: 167 })
  due: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Slots that became queued runs.', example: 167 })
  fired: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Slots skipped (a run already queued or running, downtime, or refused), as in schedule_state.', example: 0 })
  skipped: number;
}

export class SchedulerRecentDto {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100, description: 'Ticks these figures cover: the latest 100, fewer after a start.', example: 100 })
  ticks: number;

  @ApiProperty({ minimum: 0, description: 'Mean tick duration in ms.', example: 38.52 })
  mean_ms: number;

  @ApiProperty({ minimum: 0, description: 'Tick duration in ms that 99% of these ticks stayed within (nearest rank).', example: 61.04 })
  p99_ms: number;

  @ApiProperty({ minimum: 0, description: 'Longest of these ticks in ms.', example: 72.9 })
  max_ms: number;
}

export class SchedulerSinceStartDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Ticks finished since this process started.', example: 3600 })
  ticks: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Ticks that failed (logged; the next tick tries again).', example: 0 })
  failed: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Timer ticks left out because the previous tick was still running: above zero, ticks take longer than SCHEDULER_TICK_MS.', example: 0 })
  overrun: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Due instances, summed over the ticks.', example: 601200 })
  due: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Slots fired, summed over the ticks.', example: 601198 })
  fired: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Slots skipped, summed over the ticks.', example: 2 })
  skipped: number;

  @ApiProperty({ minimum: 0, description: 'Tick durations summed, in ms: its change over a window divided by the change in `ticks` is the mean tick there.', example: 139860.5 })
  duration_ms: number;

  @ApiProperty({ minimum: 0, description: 'Longest tick in ms.', example: 180.33 })
  max_ms: number;
}

export class SchedulerHealthDto {
  @ApiProperty({ type: 'integer', description: 'SCHEDULER_TICK_MS: how often the scheduler looks for due slots.', example: 1000 })
  tick_interval_ms: number;

  @ApiProperty({ type: SchedulerTickDto, nullable: true, description: 'The latest finished tick; null before the first.' })
  last_tick: SchedulerTickDto | null;

  @ApiProperty({ type: SchedulerRecentDto, description: 'Tick durations over the latest ticks.' })
  recent: SchedulerRecentDto;

  @ApiProperty({ type: SchedulerSinceStartDto, description: 'Counts since this process started.' })
  since_start: SchedulerSinceStartDto;
}

export class HealthDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status: 'ok';

  @ApiProperty({ enum: ['ok'], description: 'The framework database answered a query.', example: 'ok' })
  database: 'ok';

  @ApiProperty({ enum: ['ok'], description: 'The data store (imported tables) answered a query.', example: 'ok' })
  data_store: 'ok';

  @ApiProperty({ type: 'integer', description: 'Templates loaded.', example: 5 })
  templates: number;

  @ApiProperty({ type: 'integer', description: 'Plugins that failed to load (see /api/plugins/load-errors).', example: 0 })
  plugin_load_errors: number;

  @ApiProperty({ description: 'Seconds since the process started.', example: 42.5 })
  uptime_s: number;

  @ApiProperty({
    type: SchedulerHealthDto,
    description: "The scheduler's ticks in this process: how long finding and firing due slots takes and what the ticks did. A tick whose duration nears tick_interval_ms, or overrun above zero, means the scheduler falls behind.",
  })
  scheduler: SchedulerHealthDto;
}
