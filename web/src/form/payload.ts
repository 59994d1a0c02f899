import { createSchemaUtils, type RJSFSchema } from '@rjsf/utils';
import { consoleValidator, deepEqual } from './schema-check';
import { DEFAULTS_BEHAVIOR, isObject, SECRET_MASK, type InstanceFormData, type JsonObject } from './form-schema';

/** The form data with the schema's defaults filled in, as rjsf shows them: computed up front so they do not count as edits. */
export function withDefaults(formSchema: RJSFSchema, data: InstanceFormData): InstanceFormData {
  return createSchemaUtils(consoleValidator, formSchema, DEFAULTS_BEHAVIOR).getDefaultFormState(formSchema, data) as InstanceFormData;
}

/**
 * The form data without values no field shows: what the user typed into a branch they then switched away from (an
 * `if`/`then` whose `then` forbids other keys would refuse it).
 */
export function withoutExtraData(formSchema: RJSFSchema, data: InstanceFormData): InstanceFormData {
  return createSchemaUtils(consoleValidator, formSchema, DEFAULTS_BEHAVIOR).omitExtraData(formSchema, data) as InstanceFormData;
}

/**
 * What the config was before editing: as stored (`stored`) and with the schema's defaults filled in (`defaulted`).
 * A default the user left alone is not sent, so the stored config keeps only what someone chose, later template
 * defaults still apply to it, and a version's diff shows the edit rather than every default.
 */
export interface ConfigBaseline {
  stored: JsonObject;
  defaulted: JsonObject;
}

/**
 * The config to send, built from the form data:
 * - a secret still showing the mask is left out, which keeps the stored value (docs/configuration.md#secrets), so the
 *   mask never goes back in its place. Only inside an array, where leaving an item out would shift the others, does
 *   the mask stay: there the API reads it as "keep";
 * - `undefined` (a cleared optional field, a key a `oneOf` switch dropped) is left out; null (a cleared secret) is sent:
 *   the API reads null on a secret as "remove the stored value" (docs/templates.md#secrets), whatever its type;
 * - a default the form filled in and the user left as it was is left out (see ConfigBaseline).
 */
export function configToSend(config: unknown, baseline?: ConfigBaseline): JsonObject {
  const cleaned = clean(config, baseline?.stored, baseline?.defaulted);
  return isObject(cleaned) ? cleaned : {};
}

function clean(value: unknown, stored: unknown, defaulted: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : clean(item, undefined, undefined)));
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || item === SECRET_MASK) continue;
    const storedItem = isObject(stored) ? stored[key] : undefined;
    const defaultItem = isObject(defaulted) ? defaulted[key] : undefined;
    if (storedItem === undefined && defaultItem !== undefined && deepEqual(item, defaultItem)) continue;
    result[key] = clean(item, storedItem, defaultItem);
  }
  return result;
}

/** The body of POST /instances. */
export function createBody(templateId: string, data: InstanceFormData, baseline?: ConfigBaseline): { template_id: string; name: string; enabled: boolean; config: JsonObject } {
  return { template_id: templateId, name: (data.name ?? '').trim(), enabled: data.enabled !== false, config: configToSend(data.config, baseline) };
}

/**
 * The body of POST /templates/{id}/validate. Editing, it names the instance: the server then judges the config as the
 * PUT would, so the secrets left out (kept) count as stored and nothing needs filtering here.
 */
export function validateBody(config: unknown, baseline?: ConfigBaseline, instanceId?: string): { config: JsonObject; instance_id?: string } {
  return { config: configToSend(config, baseline), ...(instanceId ? { instance_id: instanceId } : {}) };
}

/** The body of PUT /instances/{id}: the config replaces the stored one whole (kept secrets excepted). */
export function updateBody(data: InstanceFormData, baseline?: ConfigBaseline): { name: string; enabled: boolean; config: JsonObject } {
  return { name: (data.name ?? '').trim(), enabled: data.enabled !== false, config: configToSend(data.config, baseline) };
}
