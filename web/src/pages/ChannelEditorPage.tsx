import { useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { components } from '../../../openapi/client';
import { api, call } from '../api/client';
import { ApiError, type FieldError } from '../api/problem';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { asApiError, useDebounced, useLoad, useTitle } from '../hooks';
import {
  CHANNEL_EVENTS,
  CHANNEL_TYPES,
  channelFieldId,
  channelFieldTitle,
  channelForm,
  createChannelBody,
  errorsByField,
  localErrors,
  updateChannelBody,
  type ChannelForm,
  type ChannelType,
  type SmtpSecurity,
} from '../notifications/channel-form';
import { describedBy, Field, FieldErrors, SecretChoiceField } from '../notifications/ChannelFields';
import { SecretOnce } from '../notifications/SecretOnce';
import { Breadcrumb } from '../components/Breadcrumb';

type Channel = components['schemas']['NotificationChannelDto'];

/** Create a channel (`/notifications/new`) or edit one (`/notifications/<id>/edit`). */
export function ChannelEditorPage() {
  const { id } = useParams();
  const channel = useLoad((signal) => (id ? call(api.GET('/api/notifications/channels/{id}', { params: { path: { id } }, signal })) : Promise.resolve(null)), [id]);
  useTitle(id ? `Edit ${channel.data?.name ?? 'channel'}` : 'New notification channel');
  if (channel.error) {
    return (
      <>
        <h1>{id ? 'Edit channel' : 'New channel'}</h1>
        <ErrorNotice error={channel.error} onRetry={channel.reload} />
        <p>
          <Link to="/notifications">Back to the channels</Link>
        </p>
      </>
    );
  }
  if (channel.data === undefined) return <Loading what="the channel" />;
  return <ChannelEditor key={channel.data?.id ?? 'new'} channel={channel.data ?? undefined} />;
}

function ChannelEditor({ channel }: { channel?: Channel }) {
  const navigate = useNavigate();
  const creating = !channel;
  const [form, setForm] = useState<ChannelForm>(() => channelForm(channel));
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldError[]>([]);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<{ id: string; name: string; secret: string } | null>(null);
  const summary = useRef<HTMLDivElement>(null);
  const templates = useLoad((signal) => call(api.GET('/api/plugins/templates', { signal })), []);

  const set = (change: Partial<ChannelForm>) => setForm((current) => ({ ...current, ...change }));
  const setWebhook = (change: Partial<ChannelForm['webhook']>) => setForm((current) => ({ ...current, webhook: { ...current.webhook, ...change } }));
  const setSlack = (change: Partial<ChannelForm['slack']>) => setForm((current) => ({ ...current, slack: { ...current.slack, ...change } }));
  const setEmail = (change: Partial<ChannelForm['email']>) => setForm((current) => ({ ...current, email: { ...current.email, ...change } }));

  // The controls errors can land on: a pointer the form has no control for is listed in the summary only.
  const fieldIds = useMemo(() => {
    const ids = ['name', 'type', 'events', 'instance_ids', 'template_ids', 'failure_threshold', 'group_window_seconds', 'enabled'].map((name) => channelFieldId(`/${name}`));
    const config = form.type === 'webhook' ? ['url', 'secret'] : form.type === 'slack' ? ['webhook_url'] : ['host', 'port', 'security', 'username', 'password', 'from', 'to', ...form.email.to.map((_, index) => `to/${index}`)];
    return new Set([...ids, ...config.map((name) => channelFieldId(`/config/${name}`))]);
  }, [form.type, form.email.to]);
  const allErrors = [...(submitted ? localErrors(form) : []), ...serverErrors];
  const { byField, other } = errorsByField(allErrors, fieldIds);
  const errorsOf = (pointer: string) => byField.get(channelFieldId(pointer));

  const submit = async () => {
    setSubmitted(true);
    setSaveError(null);
    setServerErrors([]);
    if (localErrors(form).length > 0) {
      setTimeout(() => summary.current?.focus());
      return;
    }
    setSaving(true);
    try {
      if (creating) {
        const result = await call(api.POST('/api/notifications/channels', { body: createChannelBody(form) }));
        if (result.signing_secret) setCreated({ id: result.id, name: result.name, secret: result.signing_secret });
        else navigate(`/notifications/${result.id}`, { state: { flash: `Created “${result.name}”.` } });
      } else {
        const result = await call(api.PATCH('/api/notifications/channels/{id}', { params: { path: { id: channel.id } }, body: updateChannelBody(form) }));
        navigate(`/notifications/${result.id}`, { state: { flash: `Saved “${result.name}”.` } });
      }
    } catch (error) {
      const problem = asApiError(error);
      if (problem.status === 400 && problem.errors.length > 0) {
        setServerErrors(problem.errors);
        setTimeout(() => summary.current?.focus());
      } else if (problem.type === 'channel-name-taken') {
        setServerErrors([{ path: '/name', message: problem.detail }]);
        setTimeout(() => summary.current?.focus());
      } else {
        setSaveError(problem);
      }
    } finally {
      setSaving(false);
    }
  };

  if (created) {
    return (
      <>
        <div className="page-head">
          <h1>Created “{created.name}”</h1>
          <p className="lead">The server generated a signing secret for this webhook channel.</p>
        </div>
        <SecretOnce secret={created.secret} />
        <p>
          <Link className="button primary" to={`/notifications/${created.id}`}>
            I have copied it: open the channel
          </Link>
        </p>
      </>
    );
  }

  const listedErrors = allErrors.filter((error) => byField.has(channelFieldId(error.path)) || other.includes(error));
  return (
    <>
      <Breadcrumb trail={[{ to: '/notifications', label: 'Notification channels' }, ...(channel ? [{ to: `/notifications/${channel.id}`, label: channel.name }] : [])]} />
      <div className="page-head">
        <h1>{creating ? 'New notification channel' : `Edit ${channel.name}`}</h1>
        <p className="lead">Where to announce run outcomes, which ones, and how often. Changing a channel needs an API key with the admin scope when the server has keys.</p>
      </div>

      {listedErrors.length > 0 ? (
        <div className="notice error error-summary" role="alert" tabIndex={-1} ref={summary}>
          <p className="notice-title">{listedErrors.length === 1 ? 'Fix this before saving' : `Fix these ${listedErrors.length} problems before saving`}</p>
          <ul>
            {listedErrors.map((error) => {
              const target = channelFieldId(error.path);
              return (
                <li key={`${error.path} ${error.message}`}>
                  {fieldIds.has(target) ? (
                    <a
                      href={`#${target}`}
                      onClick={(event) => {
                        const field = document.getElementById(target);
                        const control = field?.matches('input, select, textarea') ? field : field?.querySelector<HTMLElement>('input, select, textarea');
                        if (control) {
                          event.preventDefault();
                          control.focus();
                        }
                      }}
                    >
                      {channelFieldTitle(error.path)}
                    </a>
                  ) : (
                    <code>{error.path}</code>
                  )}
                  : {error.message}
                </li>
              );
            })}
          </ul>
        </div>
      ) : null}
      {saveError ? <ErrorNotice error={saveError} titlePrefix={creating ? 'Not created' : 'Not saved'} /> : null}

      <form
        className="channel-form instance-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Field id="channel-name" label="Name" required hint="Unique among channels, for example ops-alerts." errors={errorsOf('/name')}>
          <input id="channel-name" type="text" value={form.name} onChange={(event) => set({ name: event.target.value })} autoComplete="off" aria-invalid={errorsOf('/name') ? true : undefined} aria-describedby={describedBy('channel-name', true, errorsOf('/name'))} />
        </Field>

        {creating ? (
          <fieldset id="channel-type" className="choice-group">
            <legend>Type</legend>
            {(Object.keys(CHANNEL_TYPES) as ChannelType[]).map((type) => (
              <div key={type} className="choice">
                <input
                  id={`channel-type-${type}`}
                  type="radio"
                  name="channel-type"
                  value={type}
                  checked={form.type === type}
                  aria-describedby={`channel-type-${type}__meaning`}
                  onChange={() => {
                    set({ type });
                    setServerErrors([]); // they named the other type's settings
                  }}
                />
                <label htmlFor={`channel-type-${type}`}>{CHANNEL_TYPES[type].label}</label>
                <span id={`channel-type-${type}__meaning`} className="choice-meaning">
                  {CHANNEL_TYPES[type].meaning}
                </span>
              </div>
            ))}
          </fieldset>
        ) : (
          <p>
            <strong>Type:</strong> {CHANNEL_TYPES[form.type].label} <span className="muted">(a channel keeps its type; create another one for a different type)</span>
          </p>
        )}

        <fieldset className="config-fieldset">
          <legend>{CHANNEL_TYPES[form.type].label} settings</legend>
          {form.type === 'webhook' ? (
            <>
              <Field id="channel-config-url" label="URL" required hint="Where the JSON POST goes: http(s)." errors={errorsOf('/config/url')}>
                <input id="channel-config-url" type="url" value={form.webhook.url} onChange={(event) => setWebhook({ url: event.target.value })} placeholder="https://alerts.example.com/hooks/pif" aria-invalid={errorsOf('/config/url') ? true : undefined} aria-describedby={describedBy('channel-config-url', true, errorsOf('/config/url'))} />
              </Field>
              <SecretChoiceField
                id="channel-config-secret"
                label="Signing secret"
                hint={form.webhook.secret === 'generate' ? 'The server generates a Standard Webhooks secret and shows it once, after saving.' : 'A Standard Webhooks secret: whsec_ followed by base64.'}
                choice={form.webhook.secret}
                value={form.webhook.newSecret}
                allowGenerate={creating}
                errors={errorsOf('/config/secret')}
                onChoice={(secret) => setWebhook({ secret })}
                onValue={(newSecret) => setWebhook({ newSecret })}
              />
            </>
          ) : null}
          {form.type === 'slack' ? (
            <SecretChoiceField
              id="channel-config-webhook_url"
              label="Slack incoming-webhook URL"
              hint="From Slack’s “Incoming Webhooks” app: https://hooks.slack.com/services/…. It is the credential, so it is stored encrypted and never shown again."
              choice={form.slack.webhookUrl}
              value={form.slack.newWebhookUrl}
              errors={errorsOf('/config/webhook_url')}
              onChoice={(webhookUrl) => setSlack({ webhookUrl })}
              onValue={(newWebhookUrl) => setSlack({ newWebhookUrl })}
            />
          ) : null}
          {form.type === 'email' ? <EmailFields form={form} setEmail={setEmail} errorsOf={errorsOf} creatingPassword={form.email.password === 'new'} /> : null}
        </fieldset>

        <fieldset id="channel-events" className="choice-group" aria-describedby={describedBy('channel-events', false, errorsOf('/events'))}>
          <legend>
            Announce<span className="required">*</span>
          </legend>
          {CHANNEL_EVENTS.map((event) => (
            <div key={event.value} className="choice">
              <input
                id={`channel-event-${event.value}`}
                type="checkbox"
                checked={form.events.includes(event.value)}
                aria-describedby={`channel-event-${event.value}__meaning`}
                onChange={(change) => set({ events: change.target.checked ? CHANNEL_EVENTS.map((item) => item.value).filter((value) => value === event.value || form.events.includes(value)) : form.events.filter((value) => value !== event.value) })}
              />
              <label htmlFor={`channel-event-${event.value}`}>
                {event.label} <code className="small">{event.value}</code>
              </label>
              <span id={`channel-event-${event.value}__meaning`} className="choice-meaning">
                {event.meaning}
              </span>
            </div>
          ))}
          <FieldErrors id="channel-events" messages={errorsOf('/events')} />
        </fieldset>

        <TemplateFilter templates={templates.data?.items ?? []} value={form.templateIds} onChange={(templateIds) => set({ templateIds })} errors={errorsOf('/template_ids')} />
        <InstanceFilter value={form.instanceIds} onChange={(instanceIds) => set({ instanceIds })} errors={errorsOf('/instance_ids')} />

        <div className="form-row">
          <Field id="channel-failure_threshold" label="Failures before announcing" hint="Announce a failed run only from this many failed runs in a row of an instance (1: every failure). A recovery is announced after such a streak." errors={errorsOf('/failure_threshold')}>
            <input id="channel-failure_threshold" type="number" inputMode="numeric" min={1} max={1000} value={form.failureThreshold} onChange={(event) => set({ failureThreshold: event.target.value })} aria-invalid={errorsOf('/failure_threshold') ? true : undefined} aria-describedby={describedBy('channel-failure_threshold', true, errorsOf('/failure_threshold'))} />
          </Field>
          <Field id="channel-group_window_seconds" label="Group repeats within (seconds)" hint="Repeats of one event for one instance within this window go out as one message (0: every event on its own)." errors={errorsOf('/group_window_seconds')}>
            <input id="channel-group_window_seconds" type="number" inputMode="numeric" min={0} max={86400} value={form.groupWindowSeconds} onChange={(event) => set({ groupWindowSeconds: event.target.value })} aria-invalid={errorsOf('/group_window_seconds') ? true : undefined} aria-describedby={describedBy('channel-group_window_seconds', true, errorsOf('/group_window_seconds'))} />
          </Field>
        </div>

        <div className="form-group choice">
          <input id="channel-enabled" type="checkbox" checked={form.enabled} onChange={(event) => set({ enabled: event.target.checked })} aria-describedby="channel-enabled__hint" />
          <label htmlFor="channel-enabled">Enabled</label>
          <span id="channel-enabled__hint" className="choice-meaning">
            A disabled channel announces nothing.
          </span>
        </div>

        <div className="form-actions">
          <button type="submit" className="button primary" disabled={saving}>
            {saving ? 'Saving…' : creating ? 'Create channel' : 'Save changes'}
          </button>
          <Link className="button" to={channel ? `/notifications/${channel.id}` : '/notifications'}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}

function EmailFields({ form, setEmail, errorsOf, creatingPassword }: { form: ChannelForm; setEmail: (change: Partial<ChannelForm['email']>) => void; errorsOf: (pointer: string) => string[] | undefined; creatingPassword: boolean }) {
  const email = form.email;
  const text = (id: string, pointer: string, label: string, value: string, onChange: (value: string) => void, options: { hint?: string; required?: boolean; placeholder?: string; type?: string } = {}) => (
    <Field id={id} label={label} hint={options.hint} required={options.required} errors={errorsOf(pointer)}>
      <input id={id} type={options.type ?? 'text'} value={value} onChange={(event) => onChange(event.target.value)} placeholder={options.placeholder} autoComplete="off" spellCheck={false} aria-invalid={errorsOf(pointer) ? true : undefined} aria-describedby={describedBy(id, Boolean(options.hint), errorsOf(pointer))} />
    </Field>
  );
  return (
    <>
      <div className="form-row">
        {text('channel-config-host', '/config/host', 'SMTP server', email.host, (host) => setEmail({ host }), { required: true, placeholder: 'smtp.example.org', hint: 'A hostname or IP address. One on the internal network needs FETCH_ALLOW_HOSTS on the server.' })}
        <Field id="channel-config-security" label="Security" hint={email.security === 'none' ? 'No TLS: the login and the message cross the network in clear. Only for a relay on a trusted network.' : email.security === 'tls' ? 'TLS from the first byte (port 465).' : 'Plain connection upgraded with STARTTLS (port 587); refused if the server does not offer it.'} errors={errorsOf('/config/security')}>
          <select id="channel-config-security" value={email.security} onChange={(event) => setEmail({ security: event.target.value as SmtpSecurity })} aria-describedby={describedBy('channel-config-security', true, errorsOf('/config/security'))}>
            <option value="starttls">STARTTLS</option>
            <option value="tls">TLS</option>
            <option value="none">None (clear text)</option>
          </select>
        </Field>
        {text('channel-config-port', '/config/port', 'Port', email.port, (port) => setEmail({ port }), { hint: `Empty: ${email.security === 'tls' ? 465 : 587}.`, type: 'text' })}
      </div>
      <div className="form-group choice">
        <input id="channel-login" type="checkbox" checked={email.login} onChange={(event) => setEmail({ login: event.target.checked })} aria-describedby="channel-login__hint" />
        <label htmlFor="channel-login">Log in (SMTP AUTH)</label>
        <span id="channel-login__hint" className="choice-meaning">
          With a username and password. Without, no login is attempted (and a stored password is dropped on saving).
        </span>
      </div>
      {email.login ? (
        <div className="form-row">
          {text('channel-config-username', '/config/username', 'Username', email.username, (username) => setEmail({ username }), { required: true })}
          <SecretChoiceField
            id="channel-config-password"
            label="Password"
            hint={creatingPassword ? 'Stored encrypted; never shown again.' : ''}
            choice={email.password}
            value={email.newPassword}
            errors={errorsOf('/config/password')}
            onChoice={(password) => setEmail({ password })}
            onValue={(newPassword) => setEmail({ newPassword })}
          />
        </div>
      ) : null}
      {text('channel-config-from', '/config/from', 'From', email.from, (from) => setEmail({ from }), { required: true, placeholder: 'Plugin Instance Framework <pif@example.org>', hint: 'One address: pif@example.org, or a name with the address in angle brackets.' })}
      <fieldset id="channel-config-to" className="list-fieldset" aria-describedby={describedBy('channel-config-to', false, errorsOf('/config/to'))}>
        <legend>
          To<span className="required">*</span> <span className="muted small">(1 to 50 addresses)</span>
        </legend>
        {email.to.map((address, index) => {
          const id = `channel-config-to-${index}`;
          const errors = errorsOf(`/config/to/${index}`);
          return (
            <div key={index} className={`list-item form-group${errors ? ' has-error' : ''}`}>
              <label className="visually-hidden" htmlFor={id}>
                Recipient {index + 1}
              </label>
              <div className="list-item-row">
                <input id={id} type="text" value={address} onChange={(event) => setEmail({ to: email.to.map((item, position) => (position === index ? event.target.value : item)) })} placeholder="lab-admins@example.org" autoComplete="off" spellCheck={false} aria-invalid={errors ? true : undefined} aria-describedby={describedBy(id, false, errors)} />
                {email.to.length > 1 ? (
                  <button type="button" className="button small danger" onClick={() => setEmail({ to: email.to.filter((_, position) => position !== index) })}>
                    Remove<span className="visually-hidden"> recipient {index + 1}</span>
                  </button>
                ) : null}
              </div>
              <FieldErrors id={id} messages={errors} />
            </div>
          );
        })}
        <FieldErrors id="channel-config-to" messages={errorsOf('/config/to')} />
        {email.to.length < 50 ? (
          <button type="button" className="button small" onClick={() => setEmail({ to: [...email.to, ''] })}>
            Add a recipient
          </button>
        ) : null}
      </fieldset>
    </>
  );
}

/** Only runs of instances of some templates, or of any. */
function TemplateFilter({ templates, value, onChange, errors }: { templates: { id: string; name: string }[]; value: string[] | null; onChange: (value: string[] | null) => void; errors?: string[] }) {
  const known = new Set(templates.map((template) => template.id));
  const options = [...templates, ...(value ?? []).filter((id) => !known.has(id)).map((id) => ({ id, name: id }))];
  return (
    <fieldset id="channel-template_ids" className="choice-group" aria-describedby={describedBy('channel-template_ids', false, errors)}>
      <legend>Templates</legend>
      <label className="choice">
        <input type="checkbox" checked={value === null} onChange={(event) => onChange(event.target.checked ? null : [])} />
        <span>Runs of any template</span>
      </label>
      {value !== null ? (
        <div className="choice-columns">
          {options.map((template) => (
            <label key={template.id} className="choice">
              <input type="checkbox" checked={value.includes(template.id)} onChange={(event) => onChange(event.target.checked ? [...value, template.id] : value.filter((id) => id !== template.id))} />
              <span>
                {template.name} <code className="small">{template.id}</code>
              </span>
            </label>
          ))}
          {value.length === 0 ? <p className="field-hint">None ticked: this channel announces nothing until you tick a template or choose any.</p> : null}
        </div>
      ) : null}
      <FieldErrors id="channel-template_ids" messages={errors} />
    </fieldset>
  );
}

/** Only runs of some instances (found by name), or of any. */
function InstanceFilter({ value, onChange, errors }: { value: string[] | null; onChange: (value: string[] | null) => void; errors?: string[] }) {
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 300);
  const [names, setNames] = useState<Record<string, string>>({});
  const chosen = useLoad(
    async (signal) => {
      const ids = (value ?? []).filter((id) => names[id] === undefined).slice(0, 50);
      const found = await Promise.all(ids.map((id) => call(api.GET('/api/plugins/instances/{id}', { params: { path: { id } }, signal })).then((instance) => [id, instance.name] as const, () => [id, id] as const)));
      return Object.fromEntries(found);
    },
    [value === null],
  );
  const matches = useLoad((signal) => (value !== null && q !== '' ? call(api.GET('/api/plugins/instances', { params: { query: { q, limit: 8 } }, signal })) : Promise.resolve(null)), [q, value === null]);
  const nameOf = (id: string) => names[id] ?? chosen.data?.[id] ?? id;
  return (
    <fieldset id="channel-instance_ids" className="choice-group" aria-describedby={describedBy('channel-instance_ids', false, errors)}>
      <legend>Instances</legend>
      <label className="choice">
        <input type="checkbox" checked={value === null} onChange={(event) => onChange(event.target.checked ? null : [])} />
        <span>Runs of any instance</span>
      </label>
      {value !== null ? (
        <div className="instance-picker">
          {value.length > 0 ? (
            <ul className="chosen-list" aria-label="Chosen instances">
              {value.map((id) => (
                <li key={id}>
                  {nameOf(id)}
                  <button type="button" className="button small" onClick={() => onChange(value.filter((item) => item !== id))}>
                    Remove<span className="visually-hidden"> {nameOf(id)}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p className="field-hint">No instance chosen yet: this channel announces nothing until you add one or choose any.</p>
          )}
          <label className="control-label" htmlFor="channel-instance-search">
            Find an instance to add
          </label>
          <input id="channel-instance-search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="Part of a name" autoComplete="off" />
          {matches.data ? (
            matches.data.items.length === 0 ? (
              <p className="field-hint" role="status">
                No instance has “{q}” in its name.
              </p>
            ) : (
              <ul className="match-list" aria-label="Matching instances">
                {matches.data.items.map((instance) => (
                  <li key={instance.id}>
                    <button
                      type="button"
                      className="button small"
                      disabled={value.includes(instance.id)}
                      onClick={() => {
                        setNames((current) => ({ ...current, [instance.id]: instance.name }));
                        onChange([...value, instance.id]);
                      }}
                    >
                      Add {instance.name}
                    </button>
                  </li>
                ))}
              </ul>
            )
          ) : null}
          {matches.error ? <ErrorNotice error={matches.error} onRetry={matches.reload} /> : null}
        </div>
      ) : null}
      <FieldErrors id="channel-instance_ids" messages={errors} />
    </fieldset>
  );
}
