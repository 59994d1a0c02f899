import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Instance } from '../../../openapi/client';
import { api, call, isAbort } from '../api/client';
import type { ApiError, FieldError } from '../api/problem';
import { ConfirmButton } from '../components/ConfirmButton';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Time } from '../components/Time';
import { humanize } from '../format';
import { asApiError, useDebounced, useLoad } from '../hooks';
import { saveInstance } from './save';
import { SaveProblem } from './SaveProblem';
import { describeSchedule, dstNote, errorsByField, formatLocalTime, formatUtc, formFromSchedule, isBlank, scheduleFromForm, searchZones, timeZones, type PreviewFire, type ScheduleField, type ScheduleForm } from './schedule';

/** Ask the server what the schedule means this long after the last keystroke. */
const PREVIEW_DELAY_MS = 400;
const PREVIEW_COUNT = 5;
const readerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The instance page's schedule: what it is, what it did, when it runs next; and the editor. */
export function ScheduleSection({ instance, onSaved, onReload }: { instance: Instance; onSaved: (instance: Instance) => void; onReload: () => void }) {
  const saved = instance.schedule;
  const preview = useLoad(
    (signal) => (saved ? call(api.GET('/api/plugins/instances/{id}/schedule/preview', { params: { path: { id: instance.id }, query: { count: PREVIEW_COUNT } }, signal })) : Promise.resolve(undefined)),
    [instance.id, instance.version],
  );
  const [editing, setEditing] = useState(false);
  const [removeError, setRemoveError] = useState<ApiError | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const provisioned = instance.provisioned_from !== null && instance.provisioned_from !== undefined;

  const close = () => {
    setEditing(false);
    setTimeout(() => editButton.current?.focus());
  };
  // A new version (saved here, or reloaded after someone else's change) ends editing: the page shows it as it is now.
  useEffect(() => {
    setEditing(false);
    setRemoveError(null);
  }, [instance.version]);
  const remove = async () => {
    setRemoveError(null);
    try {
      onSaved(await saveInstance(instance, { schedule: null }));
    } catch (error) {
      setRemoveError(asApiError(error));
    }
  };
  const state = instance.schedule_state;

  return (
    <section className="panel schedule-panel" aria-labelledby="schedule-heading">
      <div className="panel-head">
        <h2 id="schedule-heading">Schedule</h2>
        {!editing ? (
          <div className="actions">
            <button ref={editButton} type="button" className="button small" onClick={() => setEditing(true)} disabled={provisioned}>
              {saved ? 'Edit schedule' : 'Add a schedule'}
            </button>
            {saved ? (
              <ConfirmButton question="Remove the schedule? The instance then runs only when asked, by webhook or after its upstreams." confirm="Remove it" onConfirm={remove} disabled={provisioned}>
                Remove schedule
              </ConfirmButton>
            ) : null}
          </div>
        ) : null}
      </div>
      {provisioned ? <p className="muted small">Declared in a provisioning file: change the schedule there.</p> : null}
      {removeError ? <SaveProblem error={removeError} onReload={onReload} /> : null}
      {editing ? (
        <ScheduleEditor
          instance={instance}
          onCancel={close}
          onSaved={(updated) => {
            onSaved(updated);
            close();
          }}
          onReload={onReload}
        />
      ) : saved ? (
        <>
          <p>
            Runs by <strong>{describeSchedule(saved)}</strong>.
          </p>
          <dl className="details">
            <dt>Next run</dt>
            <dd>{instance.next_run_at ? <Time value={instance.next_run_at} /> : !instance.enabled ? 'None while the instance is disabled' : 'None: the schedule is paused'}</dd>
            <dt>Last fired for</dt>
            <dd>{state.last_fired_for ? <Time value={state.last_fired_for} /> : 'Not fired yet'}</dd>
            <dt>Missed</dt>
            <dd>{state.missed === 0 ? 'None' : `${state.missed} slot${state.missed === 1 ? '' : 's'} passed while the server was down`}</dd>
            <dt>Skipped</dt>
            <dd>{state.skipped_overlap === 0 ? 'None' : `${state.skipped_overlap} slot${state.skipped_overlap === 1 ? '' : 's'} came while a run was still queued or running`}</dd>
            {state.last_skip ? (
              <>
                <dt>Last skip</dt>
                <dd>
                  <Time value={state.last_skip.scheduled_for} /> ({humanize(state.last_skip.reason)})
                </dd>
              </>
            ) : null}
          </dl>
          {preview.error ? <ErrorNotice error={preview.error} onRetry={preview.reload} titlePrefix="No preview" /> : null}
          {preview.data && preview.data.items.length > 0 ? <FireTimes items={preview.data.items} zone={saved.timezone} caption={`The next ${preview.data.items.length} runs`} /> : null}
        </>
      ) : (
        <EmptyState title="No schedule">
          <p>It runs when asked, by a webhook or after its upstreams. Add a schedule to run it by itself, for example every night at 02:00.</p>
        </EmptyState>
      )}
    </section>
  );
}

/** Fire times in the schedule's zone (with DST notes), in UTC and in the reader's own zone. */
function FireTimes({ items, zone, caption }: { items: PreviewFire[]; zone: string; caption: string }) {
  return (
    <table className="data-table fire-times">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">In {zone}</th>
          <th scope="col">UTC</th>
          <th scope="col">Your time</th>
          <th scope="col">Daylight saving</th>
        </tr>
      </thead>
      <tbody>
        {items.map((fire) => (
          <tr key={fire.scheduled_for} className={fire.dst ? 'dst-row' : undefined}>
            <th scope="row" data-label={`In ${zone}`}>
              {formatLocalTime(fire.local_time)}
            </th>
            <td data-label="UTC">{formatUtc(fire.scheduled_for)}</td>
            <td data-label="Your time">
              <Time value={fire.scheduled_for} />
            </td>
            <td data-label="Daylight saving">{fire.dst ? <span className="dst-note"><span className="badge dst-badge">{fire.dst === 'nonexistent' ? 'Skipped hour' : 'Repeated hour'}</span> {dstNote(fire.dst)}</span> : <span className="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface Preview {
  form: ScheduleForm;
  items?: PreviewFire[];
  errors: FieldError[];
  error?: ApiError;
}

function ScheduleEditor({ instance, onSaved, onCancel, onReload }: { instance: Instance; onSaved: (instance: Instance) => void; onCancel: () => void; onReload: () => void }) {
  const zones = useMemo(() => timeZones(), []);
  const ownZone = useMemo(readerZone, []);
  const [form, setForm] = useState<ScheduleForm>(() => formFromSchedule(instance.schedule, ownZone));
  const settled = useDebounced(form, PREVIEW_DELAY_MS);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [saveErrors, setSaveErrors] = useState<{ form: ScheduleForm; errors: FieldError[] } | null>(null);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => first.current?.focus(), []);
  // The live preview: POST /schedule/preview with the schedule as typed, a moment after typing stops.
  useEffect(() => {
    if (isBlank(settled)) {
      setPreview({ form: settled, errors: [] });
      return;
    }
    const controller = new AbortController();
    call(api.POST('/api/plugins/schedule/preview', { body: { schedule: scheduleFromForm(settled), count: PREVIEW_COUNT }, signal: controller.signal })).then(
      (answer) => setPreview({ form: settled, items: answer.items, errors: [] }),
      (error: unknown) => {
        if (isAbort(error) || controller.signal.aborted) return;
        const problem = asApiError(error);
        setPreview(problem.status === 400 && problem.errors.length > 0 ? { form: settled, errors: problem.errors } : { form: settled, errors: [], error: problem });
      },
    );
    return () => controller.abort();
  }, [settled]);

  const set = <K extends keyof ScheduleForm>(key: K, value: ScheduleForm[K]) => setForm((current) => ({ ...current, [key]: value }));
  const checking = preview?.form !== form && !isBlank(form);
  const errors = errorsByField([...(preview?.errors ?? []), ...(saveErrors?.form === form ? saveErrors.errors : [])]);
  if (isBlank(form)) (errors[form.kind] ??= []).push(form.kind === 'cron' ? 'Enter a cron expression.' : 'Enter an interval.');
  const knownZone = zones.includes(form.timezone.trim());
  const zoneMatches = knownZone || form.timezone.trim() === '' ? [] : searchZones(zones, form.timezone, 6);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaveError(null);
    if (isBlank(form)) return;
    setSaving(true);
    try {
      onSaved(await saveInstance(instance, { schedule: scheduleFromForm(form) }));
    } catch (error) {
      const problem = asApiError(error);
      if (problem.status === 400 && problem.errors.length > 0) setSaveErrors({ form, errors: problem.errors });
      else setSaveError(problem);
    } finally {
      setSaving(false);
    }
  };

  const fieldProps = (field: ScheduleField, hint?: boolean) => ({
    id: `schedule-${field}`,
    'aria-invalid': errors[field] ? true : undefined,
    'aria-describedby': [hint ? `schedule-${field}-hint` : '', errors[field] ? `schedule-${field}-error` : ''].filter(Boolean).join(' ') || undefined,
  });
  const fieldErrors = (field: ScheduleField) =>
    errors[field] ? (
      <ul className="field-errors" id={`schedule-${field}-error`}>
        {errors[field].map((message) => (
          <li key={message}>{message}</li>
        ))}
      </ul>
    ) : null;

  const status = isBlank(form) ? '' : checking ? 'Working out the next runs…' : preview?.items ? `The next ${preview.items.length} runs are below.` : Object.keys(errors).length > 0 ? 'Fix the schedule to see its next runs.' : '';

  return (
    <form className="schedule-editor" onSubmit={submit} noValidate aria-label="Schedule">
      <fieldset className="choice" aria-describedby={errors.kind ? 'schedule-kind-error' : undefined}>
        <legend>Runs</legend>
        <label>
          <input type="radio" name="schedule-kind" value="cron" checked={form.kind === 'cron'} onChange={() => set('kind', 'cron')} ref={form.kind === 'cron' ? first : undefined} /> At set times (cron)
        </label>
        <label>
          <input type="radio" name="schedule-kind" value="every" checked={form.kind === 'every'} onChange={() => set('kind', 'every')} ref={form.kind === 'every' ? first : undefined} /> At a fixed interval
        </label>
        {fieldErrors('kind')}
      </fieldset>

      {form.kind === 'cron' ? (
        <div className="field">
          <label htmlFor="schedule-cron">Cron expression</label>
          <input type="text" className="code" spellCheck={false} autoComplete="off" value={form.cron} onChange={(event) => set('cron', event.target.value)} {...fieldProps('cron', true)} />
          <p className="field-hint" id="schedule-cron-hint">
            Five fields: minute, hour, day of month, month, day of week (<code>0 2 * * *</code> is every day at 02:00; <code>0 6 * * 1-5</code> weekdays at 06:00), read in the time
            zone below. A sixth field in front gives the second.
          </p>
          {fieldErrors('cron')}
        </div>
      ) : (
        <div className="field">
          <label htmlFor="schedule-every">Interval</label>
          <input type="text" className="code" spellCheck={false} autoComplete="off" value={form.every} onChange={(event) => set('every', event.target.value)} {...fieldProps('every', true)} />
          <p className="field-hint" id="schedule-every-hint">
            A number and a unit: <code>15m</code>, <code>2h</code>, <code>1d</code> (s, m, h or d; at least 1 minute). Runs fall on whole multiples of it counted in UTC, so{' '}
            <code>15m</code> runs at :00, :15, :30 and :45.
          </p>
          {fieldErrors('every')}
        </div>
      )}

      <div className="field">
        <label htmlFor="schedule-timezone">Time zone</label>
        <input type="text" list="schedule-zones" spellCheck={false} autoComplete="off" value={form.timezone} onChange={(event) => set('timezone', event.target.value)} {...fieldProps('timezone', true)} />
        <datalist id="schedule-zones">
          {zones.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <p className="field-hint" id="schedule-timezone-hint">
          An IANA zone name: type part of it (a city, such as Berlin or New York) to search. Cron times follow its daylight saving changes.
        </p>
        {zoneMatches.length > 0 ? (
          <div className="zone-matches" role="group" aria-label="Matching time zones">
            {zoneMatches.map((zone) => (
              <button key={zone} type="button" className="button small" onClick={() => set('timezone', zone)}>
                {zone}
              </button>
            ))}
          </div>
        ) : null}
        {form.timezone.trim() !== ownZone ? (
          <button type="button" className="link-button small" onClick={() => set('timezone', ownZone)}>
            Use my time zone ({ownZone})
          </button>
        ) : null}
        {fieldErrors('timezone')}
      </div>

      <div className="field">
        <label htmlFor="schedule-catch_up">After the server was down</label>
        <select value={form.catch_up} onChange={(event) => set('catch_up', event.target.value as ScheduleForm['catch_up'])} {...fieldProps('catch_up')}>
          <option value="once">Run once for the latest missed time</option>
          <option value="skip">Skip the missed times</option>
        </select>
        {fieldErrors('catch_up')}
      </div>

      <div className="field checkbox-field">
        <input type="checkbox" checked={form.enabled} onChange={(event) => set('enabled', event.target.checked)} {...fieldProps('enabled', true)} />
        <label htmlFor="schedule-enabled">Schedule enabled</label>
        <p className="field-hint" id="schedule-enabled-hint">
          Untick to pause it: the schedule is kept but does not run.
        </p>
        {fieldErrors('enabled')}
      </div>

      <div className="schedule-preview" aria-busy={checking}>
        <h3>Next runs</h3>
        {preview?.error ? <ErrorNotice error={preview.error} titlePrefix="No preview" /> : null}
        {preview?.items ? (
          preview.items.length > 0 ? (
            <FireTimes items={preview.items} zone={preview.form.timezone.trim() || 'UTC'} caption="When this schedule would run next" />
          ) : (
            <p>This schedule never runs: its times do not come again (check the day and month fields).</p>
          )
        ) : (
          <p className="muted">The next runs show here once the schedule is valid.</p>
        )}
      </div>

      {saveError ? <SaveProblem error={saveError} onReload={onReload} /> : null}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={saving || isBlank(form)}>
          {saving ? 'Saving…' : 'Save schedule'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <p className="form-status muted" role="status" aria-live="polite">
          {status}
        </p>
      </div>
    </form>
  );
}
