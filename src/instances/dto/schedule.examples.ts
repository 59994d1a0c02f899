import { ApiExamples, EXAMPLE_IDS } from '../../common/api-examples';
import { DraftSchedulePreviewDto, DraftSchedulePreviewRequestDto, SchedulePreviewDto, UpcomingScheduleDto } from './schedule-view.dto';

export const UPCOMING_EXAMPLES: ApiExamples<UpcomingScheduleDto> = {
  upcoming: {
    summary: 'A weekday import in Berlin and a quarter-hourly fetch',
    value: {
      until: '2026-11-25T06:00:00.000Z',
      items: [
        { instance_id: EXAMPLE_IDS.otherInstance, instance_name: 'PI Directory', scheduled_for: '2026-11-25T05:00:00.000Z', local_time: '2026-11-25T05:00:00+00:00', timezone: 'UTC' },
        { instance_id: EXAMPLE_IDS.instance, instance_name: 'iLab Equipment 2024', scheduled_for: '2026-11-25T05:00:00.000Z', local_time: '2026-11-25T06:00:00+01:00', timezone: 'Europe/Berlin' },
        { instance_id: EXAMPLE_IDS.otherInstance, instance_name: 'PI Directory', scheduled_for: '2026-11-25T05:15:00.000Z', local_time: '2026-11-25T05:15:00+00:00', timezone: 'UTC' },
      ],
    },
  },
};

export const PREVIEW_EXAMPLES: ApiExamples<SchedulePreviewDto> = {
  spring_forward: {
    summary: 'A daily 02:30 job in Berlin across the spring-forward night',
    value: {
      instance_id: EXAMPLE_IDS.instance,
      schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true },
      items: [
        { scheduled_for: '2027-03-27T01:30:00.000Z', local_time: '2027-03-27T02:30:00+01:00', dst: null },
        { scheduled_for: '2027-03-28T01:30:00.000Z', local_time: '2027-03-28T03:30:00+02:00', dst: 'nonexistent' },
        { scheduled_for: '2027-03-29T00:30:00.000Z', local_time: '2027-03-29T02:30:00+02:00', dst: null },
      ],
    },
  },
};

export const DRAFT_PREVIEW_REQUEST_EXAMPLES: ApiExamples<DraftSchedulePreviewRequestDto> = {
  cron: { summary: 'A daily 02:30 job in Berlin, before saving it', value: { schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' }, count: 3 } },
  every: { summary: 'Every 15 minutes', value: { schedule: { every: '15m' }, count: 3 } },
};

export const DRAFT_PREVIEW_EXAMPLES: ApiExamples<DraftSchedulePreviewDto> = {
  spring_forward: {
    summary: 'Across the spring-forward night: the 02:30 that does not exist fires at 03:30',
    value: { schedule: PREVIEW_EXAMPLES.spring_forward.value.schedule!, items: PREVIEW_EXAMPLES.spring_forward.value.items },
  },
};
