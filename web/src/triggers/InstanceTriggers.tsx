import type { Instance } from '../../../openapi/client';
import { DependenciesSection } from './DependenciesSection';
import { ScheduleSection } from './ScheduleSection';
import { WebhooksSection } from './WebhooksSection';

/**
 * What starts an instance besides "Run now", on its page: its schedule, its upstream instances and its webhooks.
 * `onSaved` takes the instance a save answered, so the page shows the new version without asking again.
 */
export function InstanceTriggers({ instance, onSaved, onReload }: { instance: Instance; onSaved: (instance: Instance) => void; onReload: () => void }) {
  return (
    <>
      <ScheduleSection instance={instance} onSaved={onSaved} onReload={onReload} />
      <DependenciesSection instance={instance} onSaved={onSaved} onReload={onReload} />
      <WebhooksSection instanceId={instance.id} />
    </>
  );
}
