import { ConfigValidation } from './config-schema.service';
import { RegisteredTemplate } from './template-registry.service';

/**
 * The verdict a PUT of a config to an existing instance would get (its stored secrets kept, cleared ones dropped),
 * for POST /templates/{id}/validate with `instance_id`. Templates sit below instances, so they ask through this
 * class, which the instances module binds. Reads only: nothing is written.
 */
export abstract class InstanceConfigCheck {
  /** Throws `instance-not-found` (404) when no instance has the id, `instance-template-mismatch` (422) when it is of another template. */
  abstract validateForInstance(template: RegisteredTemplate, instanceId: string, config: Record<string, unknown>): Promise<ConfigValidation>;
}
