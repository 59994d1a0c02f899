import { useState, type ReactNode } from 'react';
import type { SecretChoice } from './channel-form';

/** The errors of one control, under it; the control points at them with aria-describedby `${id}__error`. */
export function FieldErrors({ id, messages }: { id: string; messages?: string[] }) {
  if (!messages || messages.length === 0) return null;
  return (
    <ul id={`${id}__error`} className="error-detail">
      {messages.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  );
}

/** Which ids describe a control: its hint and its errors, when it has them. */
export const describedBy = (id: string, hint: boolean, errors?: string[]): string | undefined =>
  [hint ? `${id}__hint` : '', errors && errors.length > 0 ? `${id}__error` : ''].filter(Boolean).join(' ') || undefined;

/** A labelled control with its hint and errors: the layout every field of the channel form shares. */
export function Field({ id, label, hint, errors, required, children }: { id: string; label: string; hint?: ReactNode; errors?: string[]; required?: boolean; children: ReactNode }) {
  return (
    <div className={`form-group${errors && errors.length > 0 ? ' has-error' : ''}`}>
      <label className="control-label" htmlFor={id}>
        {label}
        {required ? <span className="required">*</span> : null}
      </label>
      {children}
      {hint ? (
        <p id={`${id}__hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
      <FieldErrors id={id} messages={errors} />
    </div>
  );
}

/**
 * A secret of a channel, write-only as the instance form's secrets are: with one stored, keep it (nothing is sent) or
 * replace it; the input is a password field with Show. `allowGenerate` offers leaving it to the server (a webhook's
 * signing secret on create).
 */
export function SecretChoiceField({
  id,
  label,
  hint,
  choice,
  value,
  errors,
  allowGenerate,
  onChoice,
  onValue,
}: {
  id: string;
  label: string;
  hint: string;
  choice: SecretChoice;
  value: string;
  errors?: string[];
  allowGenerate?: boolean;
  onChoice: (choice: SecretChoice) => void;
  onValue: (value: string) => void;
}) {
  const [reveal, setReveal] = useState(false);
  const stored = choice === 'keep' || choice === 'replace';
  const choosing = stored || allowGenerate;
  const inputId = choosing ? `${id}__new` : id;
  const showInput = choice === 'new' || choice === 'replace';
  const input = (
    <div className="secret-input">
      <input
        id={inputId}
        type={reveal ? 'text' : 'password'}
        value={value}
        onChange={(event) => onValue(event.target.value)}
        autoComplete="new-password"
        spellCheck={false}
        aria-invalid={errors && errors.length > 0 ? true : undefined}
        aria-describedby={describedBy(id, true, errors)}
      />
      <button type="button" className="button small" aria-pressed={reveal} aria-controls={inputId} onClick={() => setReveal(!reveal)}>
        {reveal ? 'Hide' : 'Show'}
      </button>
    </div>
  );
  return (
    <div className={`form-group secret-field${errors && errors.length > 0 ? ' has-error' : ''}`}>
      <label className="control-label" htmlFor={id}>
        {label}
      </label>
      {choosing ? (
        <select id={id} value={choice === 'new' && allowGenerate ? 'new' : choice} onChange={(event) => onChoice(event.target.value as SecretChoice)} aria-describedby={describedBy(id, true)}>
          {stored ? <option value="keep">Keep the stored secret</option> : null}
          {stored ? <option value="replace">Replace it with a new value</option> : null}
          {allowGenerate ? <option value="generate">Generate one for me (shown once)</option> : null}
          {allowGenerate ? <option value="new">Use my own</option> : null}
        </select>
      ) : (
        input
      )}
      {choosing && showInput ? (
        <div className="secret-new">
          <label className="control-label" htmlFor={inputId}>
            {choice === 'replace' ? 'New value' : 'Your secret'}
          </label>
          {input}
        </div>
      ) : null}
      <p id={`${id}__hint`} className="field-hint">
        {choice === 'keep' ? 'Stored encrypted; it is never shown.' : choice === 'replace' ? 'Saving replaces the stored secret.' : hint}
      </p>
      <FieldErrors id={id} messages={errors} />
    </div>
  );
}
