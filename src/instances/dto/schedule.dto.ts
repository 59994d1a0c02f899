import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, ValidateIf, ValidateNested } from 'class-validator';
import { BooleanField, EnumField, StringField } from '../../common/field.decorators';
import { Schedule, SKIP_REASONS, SkipReason } from '../schedule';

/** `schedule` in a create or update body: exactly one of cron and every (checked with croner by the service). */
export class ScheduleInputDto {
  @StringField({ description: 'A cron expression with 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), in `timezone`. Give this or `every`.', example: '0 6 * * 1-5', optional: true, minLength: 1, maxLength: 200 })
  cron?: string;

  @StringField({ description: 'A fixed interval: a whole number with unit s, m, h or d, at least 1m (e.g. "90s", "15m", "1d"). Slots are multiples of the interval since 1970-01-01T00:00Z, whatever the time zone. Give this or `cron`.', example: '15m', optional: true, minLength: 2, maxLength: 20 })
  every?: string;

  @StringField({ description: 'IANA time zone the cron is read in. Default UTC.', example: 'Europe/Berlin', optional: true, minLength: 1, maxLength: 100 })
  timezone?: string;

  @EnumField(['once', 'skip'], 'ScheduleCatchUp', { description: 'Slots missed while the server was down: once = one catch-up run for the latest of them (spread over the first minute after boot); skip = none. Either way they count in schedule_state.missed. Default once.', example: 'once', optional: true })
  catch_up?: 'once' | 'skip';

  @BooleanField({ description: 'false keeps the schedule but never fires it. Default true.', example: true, optional: true, default: true })
  enabled?: boolean;
}

/** A nested ScheduleInputDto that may also be null (PUT: remove the schedule). */
export function NullableScheduleField(description: string, example: unknown) {
  return applyDecorators(
    ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null),
    ApiProperty({ type: ScheduleInputDto, required: false, nullable: true, description, example }),
    IsObject({ message: '$property must be a JSON object or null' }),
    ValidateNested(),
    Type(() => ScheduleInputDto),
  );
}

/** The schedule as stored, defaults filled in. */
export class ScheduleDto implements Schedule {
  @ApiPropertyOptional({ description: 'Cron expression (5 or 6 fields), read in `timezone`; absent when `every` is set.', example: '0 6 * * 1-5' })
  cron?: string;

  @ApiPropertyOptional({ description: 'Fixed interval; absent when `cron` is set.', example: '15m' })
  every?: string;

  @ApiProperty({ description: 'IANA time zone.', example: 'Europe/Berlin' })
  timezone: string;

  @ApiProperty({ enum: ['once', 'skip'], enumName: 'ScheduleCatchUp', example: 'once' })
  catch_up: 'once' | 'skip';

  @ApiProperty({ example: true })
  enabled: boolean;
}

export class ScheduleSkipDto {
  @ApiProperty({ format: 'date-time', description: 'The slot that did not run on time.', example: '2026-11-24T05:00:00.000Z' })
  scheduled_for: string;

  @ApiProperty({ enum: SKIP_REASONS, enumName: 'ScheduleSkipReason', description: 'overlap: a run of the instance was queued or running; downtime: the server was down at the slot (with catch_up once the latest missed slot still ran, late); refused: the run could not start (template not loaded).', example: 'overlap' })
  reason: SkipReason;
}

export class ScheduleStateDto {
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The slot of the latest run the scheduler started.', example: '2026-11-24T06:00:00.000Z' })
  last_fired_for: string | null;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Slots that passed while the server was down (a catch-up run for the latest still counts it).', example: 0 })
  missed: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Slots skipped because a run was queued or running.', example: 1 })
  skipped_overlap: number;

  @ApiProperty({ type: ScheduleSkipDto, nullable: true, description: 'The latest slot that did not run on time, and why.' })
  last_skip: ScheduleSkipDto | null;
}
