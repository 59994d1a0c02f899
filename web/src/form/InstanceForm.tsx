import { useMemo, type ReactNode } from 'react';
import Form, { type IChangeEvent } from '@rjsf/core';
import type { RJSFSchema } from '@rjsf/utils';
import type { FieldError } from '../api/problem';
import { errorSchemaFrom } from './errors';
import { FORM_FIELDS, FORM_TEMPLATES, FORM_WIDGETS, type InstanceFormContext } from './fields';
import { DEFAULTS_BEHAVIOR, instanceFormSchema, instanceUiSchema, type InstanceFormData, type JsonObject } from './form-schema';
import { consoleValidator } from './schema-check';

export interface InstanceFormProps {
  /** The template's config_schema. */
  configSchema: JsonObject;
  creating: boolean;
  data: InstanceFormData;
  onChange: (data: InstanceFormData) => void;
  onSubmit: () => void;
  /** The server's errors to show on their fields (already filtered to what the user should see now). */
  errors: FieldError[];
  /** Pointers of the secrets the instance has stored (its config shows them masked). */
  storedSecrets: ReadonlySet<string>;
  /** Start with "More settings" open (the config being edited sets some of them). */
  showOptional?: boolean;
  disabled?: boolean;
  /** The buttons; they sit inside the form, so Enter in a field submits it. */
  children: ReactNode;
}

/**
 * The instance form: name, enabled and the config, generated from the template's schema by rjsf. Validation is the
 * server's (see schema-check.ts): its errors come in through `errors` and show on their fields.
 */
export function InstanceForm({ configSchema, creating, data, onChange, onSubmit, errors, storedSecrets, showOptional = false, disabled, children }: InstanceFormProps) {
  const schema = useMemo<RJSFSchema>(() => instanceFormSchema(configSchema), [configSchema]);
  const uiSchema = useMemo(() => instanceUiSchema(configSchema, { creating }), [configSchema, creating]);
  const extraErrors = useMemo(() => errorSchemaFrom(errors), [errors]);
  const formContext = useMemo<InstanceFormContext>(() => ({ storedSecrets, showOptional }), [storedSecrets, showOptional]);
  return (
    <Form
      className="instance-form"
      schema={schema}
      uiSchema={uiSchema}
      formData={data}
      formContext={formContext}
      validator={consoleValidator}
      fields={FORM_FIELDS}
      widgets={FORM_WIDGETS}
      templates={FORM_TEMPLATES}
      extraErrors={extraErrors}
      experimental_defaultFormStateBehavior={DEFAULTS_BEHAVIOR}
      noHtml5Validate
      showErrorList={false}
      disabled={disabled}
      onChange={(event: IChangeEvent<JsonObject>) => onChange(event.formData as unknown as InstanceFormData)}
      onSubmit={() => onSubmit()}
    >
      {children}
    </Form>
  );
}
