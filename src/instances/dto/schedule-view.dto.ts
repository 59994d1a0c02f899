import { ApiProperty } from '@nestjs/swagger';
import { DateTimeField, IntField, NestedField, QueryIntField } from '../../common/field.decorators';
import { ScheduleDto, ScheduleInputDto } from './schedule.dto';

export class UpcomingScheduleQueryDto {
  @DateTimeField({ description: 'List fires up to this time (inclusive). Default: 24 hours from now.', example: '2026-11-25T00:00:00Z', optional: true })
  until?: string;

  @QueryIntField({ description: 'Most fires to list.', example: 50, min: 1, max: 1000, default: 50 })
  limit?: number;
}

export class SchedulePreviewQueryDto {
  @QueryIntField({ description: 'How many fire times.', example: 10, min: 1, max: 100, default: 10 })
  count?: number;
}

/** A schedule to preview before it is saved. */
export class DraftSchedulePreviewRequestDto {
  @NestedField(ScheduleInputDto, { description: 'The schedule as an instance would take it (same rules and errors, at `/schedule/...`).', example: { cron: '30 2 * * *', timezone: 'Europe/Berlin' } })
  schedule: ScheduleInputDto;

  @IntField({ description: 'How many fire times.', example: 5, min: 1, max: 100, optional: true, default: 10 })
  count?: number;
}

export class UpcomingFireDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' })
  instance_id: string;

  @ApiProperty({ example: 'iLab Equipment 2024' })
  instance_name: string;

  @ApiProperty({ format: 'date-time', description: 'The slot, UTC.', example: '2026-11-25T05:00:00.000Z' })
  scheduled_for: string;

  @ApiProperty({ description: "The slot in the schedule's time zone, with its offset.", example: '2026-11-25T06:00:00+01:00' })
  local_time: string;

  @ApiProperty({ example: 'Europe/Berlin' })
  timezone: string;
}

export class UpcomingScheduleDto {
  @ApiProperty({ format: 'date-time', description: 'The end of the window listed.', example: '2026-11-25T00:00:00.000Z' })
  until: string;

  @ApiProperty({ type: [UpcomingFireDto], description: 'Soonest first (ties by instance id).' })
  items: UpcomingFireDto[];
}

export class PreviewFireDto {
  @ApiProperty({ format: 'date-time', description: 'When it fires, UTC.', example: '2027-03-28T01:30:00.000Z' })
  scheduled_for: string;

  @ApiProperty({ description: "When it fires in the schedule's time zone, with its offset.", example: '2027-03-28T03:30:00+02:00' })
  local_time: string;

  @ApiProperty({
    type: String,
    enum: ['nonexistent', 'ambiguous', null],
    enumName: 'ScheduleDstFlag',
    nullable: true,
    description: 'nonexistent: the local time the cron names does not exist that day (spring forward); it fires once at the first local time after the gap. ambiguous: the local time occurs twice (fall back); it fires once, at the first. null: no DST change touches it.',
    example: 'nonexistent',
  })
  dst: 'nonexistent' | 'ambiguous' | null;
}

export class DraftSchedulePreviewDto {
  @ApiProperty({ type: ScheduleDto, description: 'The schedule as it would be saved, defaults filled in.' })
  schedule: ScheduleDto;

  @ApiProperty({ type: [PreviewFireDto], description: 'The next fires after now, oldest first.' })
  items: PreviewFireDto[];
}

export class SchedulePreviewDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' })
  instance_id: string;

  @ApiProperty({ type: ScheduleDto, nullable: true, description: 'The schedule previewed; null when the instance has none (items is then empty).' })
  schedule: ScheduleDto | null;

  @ApiProperty({ type: [PreviewFireDto], description: 'The next fires after now, oldest first (also while the schedule or instance is disabled).' })
  items: PreviewFireDto[];
}
