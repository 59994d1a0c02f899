import type { components, Instance } from '../../../openapi/client';
import { api, call } from '../api/client';

export type InstanceUpdate = components['schemas']['UpdateInstanceDto'];

/**
 * PUT /instances/{id} with only the fields given (a schedule, a depends_on list), guarded by If-Match: the ETag is the
 * instance's version in quotes (the API documents it so), so the change is checked against the instance the page
 * shows, and a change someone else saved meanwhile answers 412 instead of being overwritten.
 */
export function saveInstance(instance: Pick<Instance, 'id' | 'version'>, body: InstanceUpdate): Promise<Instance> {
  return call(api.PUT('/api/plugins/instances/{id}', { params: { path: { id: instance.id }, header: { 'If-Match': `"${instance.version}"` } }, body }));
}
