import { ApiExamples } from '../../common/api-examples';
import { HealthDto } from './health.dto';

export const HEALTH_EXAMPLES: ApiExamples<HealthDto> = {
  healthy: {
    summary: 'Healthy, five templates loaded, an hour of ticks firing about 167 slots each',
    value: {
      status: 'ok',
      database: 'ok',
      data_store: 'ok',
      templates: 5,
      plugin_load_errors: 0,
      uptime_s: 3600.2,
      scheduler: {
        tick_interval_ms: 1000,
        last_tick: { started_at: '2026-12-06T09:30:00.000Z', duration_ms: 41.37, due: 167, fired: 167, skipped: 0 },
        recent: { ticks: 100, mean_ms: 38.52, p99_ms: 61.04, max_ms: 72.9 },
        since_start: { ticks: 3600, failed: 0, overrun: 0, due: 601200, fired: 601198, skipped: 2, duration_ms: 139860.5, max_ms: 180.33 },
      },
    },
  },
};
