import { PluginTemplate } from '../../../src/sdk';

/** Does nothing and says so: the execution benchmark measures the framework's own cost per run. */
@PluginTemplate({
  id: 'bench_noop',
  name: 'Benchmark no-op',
  description: 'Returns at once; used by npm run bench to measure the cost of a run.',
  category: 'transformer',
  version: '1.0.0',
  supportsMultipleInstances: true,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      label: { type: 'string', maxLength: 200, description: 'Free text carried in the config.' },
      size: { type: 'integer', minimum: 0, maximum: 1000000, default: 10 },
      tags: { type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 20 },
    },
  },
})
export class BenchNoop {
  execute(config: { label?: string }) {
    return Promise.resolve({ ok: true, label: config.label ?? null });
  }
}
