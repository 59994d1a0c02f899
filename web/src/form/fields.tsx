import { useState, type ChangeEvent } from 'react';
import { ariaDescribedByIds, type FieldProps, type IconButtonProps, type ObjectFieldTemplateProps, type RegistryFieldsType, type RegistryWidgetsType, type TemplatesType, type WidgetProps } from '@rjsf/utils';
import { getDefaultRegistry } from '@rjsf/core';
import { pointerOf, SECRET_MASK } from './form-schema';

/** What every field of the instance form can see. */
export interface InstanceFormContext {
  /** Pointers of the secrets the loaded instance has stored. */
  storedSecrets: ReadonlySet<string>;
  /** Open "More settings" from the start: the instance being edited sets some of them. */
  showOptional: boolean;
}

const defaults = getDefaultRegistry();

/** Label and description for the fields below: rjsf shows neither for a custom `ui:field`. */
function FieldHeading({ id, props, htmlFor = id }: { id: string; props: FieldProps; htmlFor?: string }) {
  const title = (props.uiSchema?.['ui:title'] as string | undefined) ?? props.schema.title ?? props.name;
  return (
    <>
      <label className="control-label" htmlFor={htmlFor}>
        {title}
        {props.required ? <span className="required">*</span> : null}
      </label>
      {props.schema.description ? (
        <p id={`${id}__description`} className="field-description">
          {props.schema.description}
        </p>
      ) : null}
    </>
  );
}

/**
 * A secret: write-only. Without a stored value it is a password input. With one (the API sent the mask), the user
 * chooses to keep it (the mask stays in the form data and is left out of the request), replace it (a new value), or
 * clear it (null, which the API reads as "remove the stored value" whatever the secret's type). Clearing is offered
 * only where the API allows it: not for a required secret (the API answers 400), nor for an array item (null stays
 * an item there, and the schema decides).
 */
export function SecretField(props: FieldProps) {
  const { fieldPathId, formData, onChange, disabled, readonly, registry } = props;
  const id = fieldPathId.$id;
  const context = registry.formContext as InstanceFormContext | undefined;
  const stored = context?.storedSecrets.has(pointerOf(fieldPathId.path)) ?? false;
  const [reveal, setReveal] = useState(false);
  const set = (value: unknown) => onChange(value as never, fieldPathId.path, undefined, id);
  const choice = !stored ? 'new' : formData === SECRET_MASK || formData === undefined ? 'keep' : formData === null ? 'clear' : 'replace';
  const inputId = stored ? `${id}__new` : id;
  const clearable = !props.required && typeof fieldPathId.path[fieldPathId.path.length - 1] !== 'number';

  const input = (
    <div className="secret-input">
      <input
        id={inputId}
        type={reveal ? 'text' : 'password'}
        className="form-control"
        value={typeof formData === 'string' && formData !== SECRET_MASK ? formData : ''}
        onChange={(event: ChangeEvent<HTMLInputElement>) => set(event.target.value === '' && !stored ? undefined : event.target.value)}
        autoComplete="new-password"
        spellCheck={false}
        disabled={disabled || readonly}
        aria-required={props.required || undefined}
        aria-describedby={ariaDescribedByIds(id)}
      />
      <button type="button" className="button small" aria-pressed={reveal} aria-controls={inputId} onClick={() => setReveal(!reveal)}>
        {reveal ? 'Hide' : 'Show'}
      </button>
    </div>
  );

  return (
    <div className="secret-field">
      <FieldHeading id={id} props={props} />
      {stored ? (
        <>
          <select id={id} className="form-control" value={choice} disabled={disabled || readonly} aria-describedby={ariaDescribedByIds(id)} onChange={(event) => set(event.target.value === 'keep' ? SECRET_MASK : event.target.value === 'clear' ? null : '')}>
            <option value="keep">Keep the stored secret</option>
            <option value="replace">Replace it with a new value</option>
            {clearable || choice === 'clear' ? <option value="clear">Clear it</option> : null}
          </select>
          {choice === 'replace' ? (
            <div className="secret-new">
              <label className="control-label" htmlFor={inputId}>
                New value
              </label>
              {input}
            </div>
          ) : null}
          <p className="field-hint">{choice === 'keep' ? 'Stored encrypted; it is never shown.' : choice === 'clear' ? 'Saving removes the stored secret.' : 'Saving replaces the stored secret.'}</p>
        </>
      ) : (
        input
      )}
    </div>
  );
}

/** A value of any JSON type (a schema that names none): edited as JSON text, parsed as the user types. */
export function JsonField(props: FieldProps) {
  const { fieldPathId, formData, onChange, disabled, readonly } = props;
  const id = fieldPathId.$id;
  const [text, setText] = useState(() => (formData === undefined ? '' : JSON.stringify(formData, null, 2)));
  const [problem, setProblem] = useState<string | null>(null);
  const change = (value: string) => {
    setText(value);
    if (value.trim() === '') {
      setProblem(null);
      onChange(undefined, fieldPathId.path, undefined, id);
      return;
    }
    try {
      onChange(JSON.parse(value), fieldPathId.path, undefined, id);
      setProblem(null);
    } catch (error) {
      setProblem(`Not valid JSON yet: ${(error as Error).message}`);
    }
  };
  return (
    <div className="json-field">
      <FieldHeading id={id} props={props} />
      <textarea id={id} className="form-control code" rows={4} value={text} spellCheck={false} disabled={disabled || readonly} aria-describedby={`${ariaDescribedByIds(id)}${problem ? ` ${id}__json` : ''}`} aria-invalid={problem ? true : undefined} onChange={(event) => change(event.target.value)} />
      <p className="field-hint">Any JSON value, for example {'{"status": "active"}'}.</p>
      {problem ? (
        <p id={`${id}__json`} className="error-detail" role="status">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

/**
 * rjsf's select, plus a label for the one it draws to pick a `oneOf`/`anyOf` option, which otherwise has none (the
 * field's visible label belongs to the input of the chosen option).
 */
export function SelectWithLabel(props: WidgetProps) {
  const Select = defaults.widgets.SelectWidget;
  const picksOption = /__(oneof|anyof)_select$/.test(props.id);
  return (
    <>
      {picksOption ? (
        <label className="control-label option-label" htmlFor={props.id}>
          <span className="visually-hidden">{props.label}: </span>Kind
        </label>
      ) : null}
      <Select {...props} />
    </>
  );
}

/**
 * An object whose uiSchema asks for `ui:collapseOptional` (the config) shows its required fields, and the others
 * under "More settings", closed until wanted: most of them have defaults that suit most files. It opens by itself
 * when one of them has an error.
 */
export function ConfigObjectTemplate(props: ObjectFieldTemplateProps) {
  const Default = defaults.templates.ObjectFieldTemplate;
  const context = props.registry.formContext as InstanceFormContext | undefined;
  const [open, setOpen] = useState(context?.showOptional ?? false);
  const required = new Set(Array.isArray(props.schema.required) ? props.schema.required : []);
  const visible = props.properties.filter((property) => !property.hidden);
  const optional = visible.filter((property) => !required.has(property.name));
  if (props.uiSchema?.['ui:collapseOptional'] !== true || optional.length < 2) return <Default {...props} />;
  const errors = props.errorSchema as Record<string, unknown> | undefined;
  const optionalHasErrors = optional.some((property) => errors?.[property.name] !== undefined);
  const essentials = props.properties.filter((property) => property.hidden || required.has(property.name));
  const id = props.fieldPathId.$id;
  return (
    <fieldset id={id} className={props.className}>
      {props.title ? <legend id={`${id}__title`}>{props.title}</legend> : null}
      {props.description ? (
        <div id={`${id}__description`} className="field-description">
          {props.description}
        </div>
      ) : null}
      {essentials.map((property) => property.content)}
      <details className="more-settings" open={open || optionalHasErrors} onToggle={(event) => setOpen(event.currentTarget.open)}>
        <summary>
          More settings <span className="muted">({optional.length}; left alone, their defaults apply)</span>
        </summary>
        <div className="more-settings-body">{optional.map((property) => property.content)}</div>
      </details>
    </fieldset>
  );
}

/** rjsf's default buttons are icon fonts this console does not load: words instead, which also name them for screen readers. */
function TextButton({ label, className = '' }: { label: string; className?: string }) {
  return function Button(props: IconButtonProps) {
    const { id, onClick, disabled, style } = props;
    return (
      <button id={id} type="button" className={`button small ${className}`} onClick={onClick} disabled={disabled} style={style}>
        {label}
      </button>
    );
  };
}

export const FORM_FIELDS: RegistryFieldsType = { secret: SecretField, json: JsonField };
export const FORM_WIDGETS: RegistryWidgetsType = { SelectWidget: SelectWithLabel };
export const FORM_TEMPLATES: Partial<TemplatesType> = {
  ObjectFieldTemplate: ConfigObjectTemplate,
  ButtonTemplates: {
    ...defaults.templates.ButtonTemplates,
    AddButton: TextButton({ label: 'Add' }),
    CopyButton: TextButton({ label: 'Copy' }),
    MoveDownButton: TextButton({ label: 'Move down' }),
    MoveUpButton: TextButton({ label: 'Move up' }),
    RemoveButton: TextButton({ label: 'Remove', className: 'danger' }),
    ClearButton: TextButton({ label: 'Clear' }),
  },
};
