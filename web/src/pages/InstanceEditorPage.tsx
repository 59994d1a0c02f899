import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import type { Instance, Template } from '../../../openapi/client';
import { api, call, callWithResponse, isAbort } from '../api/client';
import { ApiError, type FieldError } from '../api/problem';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { changedPointers, maskedPointers, visibleErrors } from '../form/errors';
import { fieldIdFor, instanceFormSchema, titleAt, type InstanceFormData, type JsonObject } from '../form/form-schema';
import { InstanceForm } from '../form/InstanceForm';
import { createBody, updateBody, validateBody, withDefaults, withoutExtraData, type ConfigBaseline } from '../form/payload';
import { asApiError, useLoad, useTitle } from '../hooks';
import { Breadcrumb } from '../components/Breadcrumb';

/** Wait this long after the last keystroke before asking the server: one request per pause, not per key. */
const VALIDATE_DELAY_MS = 400;

interface Loaded {
  template: Template;
  instance?: Instance;
  etag?: string;
}

/** Create an instance (`/instances/new?template=<id>`) or edit one (`/instances/<id>/edit`). */
export function InstanceEditorPage() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const templateId = params.get('template');
  const loaded = useLoad<Loaded | null>(
    async (signal) => {
      if (id) {
        const { data: instance, response } = await callWithResponse(api.GET('/api/plugins/instances/{id}', { params: { path: { id } }, signal }));
        const template = await call(api.GET('/api/plugins/templates/{template_id}', { params: { path: { template_id: instance.template_id } }, signal }));
        return { template, instance, etag: response.headers.get('etag') ?? undefined };
      }
      if (!templateId) return null;
      return { template: await call(api.GET('/api/plugins/templates/{template_id}', { params: { path: { template_id: templateId } }, signal })) };
    },
    [id, templateId],
  );
  useTitle(id ? `Edit ${loaded.data?.instance?.name ?? 'instance'}` : `New ${loaded.data?.template.name ?? ''} instance`);

  if (loaded.error) {
    return (
      <>
        <h1>{id ? 'Edit instance' : 'New instance'}</h1>
        <ErrorNotice error={loaded.error} onRetry={loaded.reload} />
        <p>
          <Link to={id ? `/instances/${id}` : '/templates'}>{id ? 'Back to the instance' : 'Back to the templates'}</Link>
        </p>
      </>
    );
  }
  if (loaded.data === null) {
    return (
      <>
        <h1>New instance</h1>
        <EmptyState title="Which template?">
          <p>
            An instance configures one template. <Link to="/templates">Pick a template</Link> and choose “Create instance”.
          </p>
        </EmptyState>
      </>
    );
  }
  if (!loaded.data) return <Loading what={id ? 'the instance' : 'the template'} />;
  // A new key remounts the editor: a reload after a conflict starts from the instance as it is now.
  return <Editor key={`${loaded.data.instance?.id ?? 'new'}:${loaded.data.etag ?? ''}`} {...loaded.data} onReload={loaded.reload} />;
}

function Editor({ template, instance, etag, onReload }: Loaded & { onReload: () => void }) {
  const navigate = useNavigate();
  const creating = !instance;
  const configSchema = template.config_schema as JsonObject;
  const formSchema = useMemo(() => instanceFormSchema(configSchema), [configSchema]);
  const initial = useMemo(() => withDefaults(formSchema, instance ? { name: instance.name, enabled: instance.enabled, config: structuredClone(instance.config) } : { name: '', enabled: true, config: {} }), [formSchema, instance]);
  const baseline = useMemo<ConfigBaseline>(() => ({ stored: instance?.config ?? {}, defaulted: withoutExtraData(formSchema, initial).config }), [formSchema, instance, initial]);
  const storedSecrets = useMemo(() => new Set(maskedPointers(instance?.config ?? {})), [instance]);
  const required = Array.isArray(configSchema.required) ? (configSchema.required as string[]) : [];
  const setsOptional = Object.keys(instance?.config ?? {}).some((key) => !required.includes(key));

  const [data, setData] = useState<InstanceFormData>(initial);
  /** The server's verdict on the config, and on which data it was given. */
  const [checked, setChecked] = useState<{ data: InstanceFormData; errors: FieldError[] } | null>(null);
  const [checking, setChecking] = useState(false);
  /** Errors only a save reveals (the name is taken): dropped when the field they name changes. */
  const [saveFieldErrors, setSaveFieldErrors] = useState<{ data: InstanceFormData; errors: FieldError[] }>({ data: initial, errors: [] });
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [conflict, setConflict] = useState<{ version?: number; updatedAt?: string } | null>(null);
  const summary = useRef<HTMLDivElement>(null);
  const checkController = useRef<AbortController | null>(null);

  const nameErrors = (value: InstanceFormData): FieldError[] => {
    const name = (value.name ?? '').trim();
    if (name === '') return [{ path: '/name', message: 'Give the instance a name.' }];
    if (name.length > 200) return [{ path: '/name', message: 'At most 200 characters.' }];
    return [];
  };

  /** Asks the server whether the config is valid (POST /templates/{id}/validate, naming the instance when editing). */
  const check = useCallback(
    async (value: InstanceFormData): Promise<FieldError[]> => {
      checkController.current?.abort();
      const controller = new AbortController();
      checkController.current = controller;
      setChecking(true);
      try {
        // Editing, the server judges the config as the PUT would (instance_id): kept secrets count as stored.
        const body = validateBody(withoutExtraData(formSchema, value).config, baseline, instance?.id);
        const verdict = await call(api.POST('/api/plugins/templates/{template_id}/validate', { params: { path: { template_id: template.id } }, body, signal: controller.signal }));
        setChecked({ data: value, errors: verdict.errors });
        return verdict.errors;
      } catch (error) {
        if (isAbort(error)) throw error;
        const problem = asApiError(error);
        // A body the API refuses outright (400 with field errors) is still an answer about the config.
        if (problem.status === 400 && problem.errors.length > 0) {
          setChecked({ data: value, errors: problem.errors });
          return problem.errors;
        }
        throw problem;
      } finally {
        if (checkController.current === controller) setChecking(false);
      }
    },
    [template.id, formSchema, baseline, instance?.id],
  );

  // Live validation: the server checks the config a moment after the user stops typing.
  useEffect(() => {
    if (checked?.data === data) return;
    const timer = setTimeout(() => check(data).catch(() => undefined), VALIDATE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [data, check, checked]);
  useEffect(() => () => checkController.current?.abort(), []);

  const changed = useMemo(() => changedPointers(initial, data), [initial, data]);
  const currentSaveErrors = saveFieldErrors.errors.filter((error) => !changedPointers(saveFieldErrors.data, data).some((pointer) => pointer === error.path || pointer.startsWith(`${error.path}/`)));
  const allErrors = [...nameErrors(data), ...(checked?.errors ?? []), ...currentSaveErrors];
  const shown = visibleErrors(allErrors, changed, submitted);

  const submit = async () => {
    setSubmitted(true);
    setSaveError(null);
    setConflict(null);
    setSaving(true);
    try {
      const errors = [...nameErrors(data), ...(checked?.data === data ? checked.errors : await check(data))];
      if (errors.length > 0) {
        setTimeout(() => summary.current?.focus());
        return;
      }
      if (creating) {
        const created = await call(api.POST('/api/plugins/instances', { body: createBody(template.id, withoutExtraData(formSchema, data), baseline) }));
        navigate(`/instances/${created.id}`, { state: { flash: `Created “${created.name}”.` } });
      } else {
        const updated = await call(api.PUT('/api/plugins/instances/{id}', { params: { path: { id: instance.id }, header: etag ? { 'If-Match': etag } : undefined }, body: updateBody(withoutExtraData(formSchema, data), baseline) }));
        navigate(`/instances/${updated.id}`, { state: { flash: `Saved. “${updated.name}” is now at version ${updated.version}.` } });
      }
    } catch (error) {
      if (isAbort(error)) return;
      const problem = asApiError(error);
      if (problem.status === 412) {
        // The 412 names the current version (current_etag); the instance itself says when it was saved.
        const current = instance ? await call(api.GET('/api/plugins/instances/{id}', { params: { path: { id: instance.id } } })).catch(() => undefined) : undefined;
        setConflict({ version: current?.version ?? problem.currentVersion, updatedAt: current?.updated_at });
      } else if (problem.type === 'name-taken') {
        setSaveFieldErrors({ data, errors: [{ path: '/name', message: problem.detail }] });
        setTimeout(() => summary.current?.focus());
      } else if (problem.status === 400 && problem.errors.length > 0) {
        setSaveFieldErrors({ data, errors: problem.errors });
        setTimeout(() => summary.current?.focus());
      } else {
        setSaveError(problem);
      }
    } finally {
      setSaving(false);
    }
  };

  const provisioned = instance?.provisioned_from ?? null;
  // Before the first save attempt only the problems on fields the user touched count, as only those show.
  const status = checking ? 'Checking the config…' : shown.length > 0 ? `${shown.length === 1 ? '1 problem' : `${shown.length} problems`} to fix before saving.` : allErrors.length === 0 && checked ? 'The server accepts this config.' : '';

  return (
    <>
      <Breadcrumb trail={[{ to: '/instances', label: 'Instances' }, instance ? { to: `/instances/${instance.id}`, label: instance.name } : { to: '/templates', label: 'Templates' }]} />
      <div className="page-head">
        <h1>{creating ? `New ${template.name} instance` : `Edit ${instance.name}`}</h1>
        <p className="lead">
          {template.description}
          {instance ? ` Editing version ${instance.version}.` : ''}
        </p>
      </div>

      {provisioned ? (
        <div className="notice warning" role="status">
          <p className="notice-title">This instance is read-only here</p>
          <p>
            It is declared in the provisioning file <code>{provisioned}</code>. Change that file and reload provisioning instead; the server refuses changes made here.
          </p>
        </div>
      ) : null}

      {conflict ? (
        <div className="notice error" role="alert">
          <p className="notice-title">Someone else changed this instance while you were editing it</p>
          <p>
            It is now at version {conflict.version ?? 'unknown'}
            {conflict.updatedAt ? `, saved ${new Date(conflict.updatedAt).toLocaleString()}` : ''}. Your changes were not saved, so that theirs are not overwritten unseen.
            Reload to edit the current version (your edits here are discarded; copy anything you want to keep first).
          </p>
          <div className="notice-actions">
            <button type="button" className="button primary" onClick={onReload}>
              Reload the current version
            </button>
          </div>
        </div>
      ) : null}

      {submitted && shown.length > 0 ? (
        <div className="notice error error-summary" role="alert" tabIndex={-1} ref={summary}>
          <p className="notice-title">{shown.length === 1 ? 'Fix this field before saving' : `Fix these ${shown.length} fields before saving`}</p>
          <ul>
            {shown.map((error) => (
              <li key={`${error.path} ${error.message}`}>
                <a
                  href={`#${fieldIdFor(error.path)}`}
                  onClick={(event) => {
                    const field = document.getElementById(fieldIdFor(error.path));
                    if (field) {
                      event.preventDefault();
                      field.focus();
                    }
                  }}
                >
                  {titleAt(formSchema, error.path)}
                </a>
                : {error.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {saveError ? <ErrorNotice error={saveError} titlePrefix={creating ? 'Not created' : 'Not saved'} /> : null}

      <InstanceForm configSchema={configSchema} creating={creating} data={data} onChange={setData} onSubmit={submit} errors={shown} storedSecrets={storedSecrets} showOptional={setsOptional} disabled={saving || provisioned !== null}>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={saving || provisioned !== null}>
            {saving ? 'Saving…' : creating ? 'Create instance' : 'Save changes'}
          </button>
          <Link className="button" to={instance ? `/instances/${instance.id}` : '/templates'}>
            Cancel
          </Link>
          <p className="form-status muted" role="status" aria-live="polite">
            {status}
          </p>
        </div>
      </InstanceForm>
    </>
  );
}
