import { ConflictError, FieldError } from '../common/domain-errors';

/** Why an instance's stored config cannot be used by the loaded template; the problem type its runs are refused with. */
export const CONFIG_ERROR_TYPES = ['config-migration-failed', 'template-version-newer'] as const;
export type ConfigErrorType = (typeof CONFIG_ERROR_TYPES)[number];

/**
 * Set at boot when an instance's config could not be brought to its template's current version: the template's
 * `migrate` threw or returned an invalid config (`config-migration-failed`), or the config was saved under a newer
 * template version than the code loaded now (`template-version-newer`). The stored config is left as it was. The
 * instance is `error` and refuses to run until a PUT with a valid config (or a rollback) saves it under the current
 * version, or a later boot migrates it.
 */
export interface ConfigError {
  type: ConfigErrorType;
  message: string;
  /** The template version the stored config was saved under. */
  from_version: string;
  /** The template version loaded when this was found. */
  to_version: string;
  /** The failing fields of a migrated config that did not validate (JSON Pointers under /config); empty otherwise. */
  errors: FieldError[];
}

/** The 409 a run of an instance with a config error is refused with, naming the instance and the reason. */
export function configErrorConflict(instance: { id: string; name: string; config_error: ConfigError }): ConflictError {
  const { type, message, from_version, to_version } = instance.config_error;
  return new ConflictError(type, `instance '${instance.name}' cannot run: ${message}; save a valid config with PUT (or roll back) to fix it`, {
    extensions: { instance_id: instance.id, from_version, to_version },
    location: `/api/plugins/instances/${instance.id}`,
  });
}
