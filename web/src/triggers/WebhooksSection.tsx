import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import type { components } from '../../../openapi/client';
import { api, call } from '../api/client';
import type { ApiError, FieldError } from '../api/problem';
import { ConfirmButton } from '../components/ConfirmButton';
import { CopyButton } from '../components/CopyButton';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Time } from '../components/Time';
import { asApiError, useLoad } from '../hooks';
import { absoluteUrl, signingSteps, testDeliveryScript, type Signing } from './webhook-curl';

type Webhook = components['schemas']['WebhookDto'];
type CreatedWebhook = components['schemas']['CreatedWebhookDto'];
type RotatedWebhook = components['schemas']['RotatedWebhookSecretDto'];

const SIGNING_LABEL: Record<string, string> = { none: 'None', github: 'GitHub', standard: 'Standard Webhooks' };
const signingLabel = (signing: Signing) => SIGNING_LABEL[signing ?? 'none'];

/**
 * What the server shows once: a new webhook's URL, token and secret, or a rotated secret. Kept only in this
 * component's state, so it is gone when the page is left and never comes back.
 */
type ShownOnce = { kind: 'created'; webhook: CreatedWebhook } | { kind: 'rotated'; webhook: RotatedWebhook };

/** The instance page's webhooks: the list, create (URL and secret shown once), rotate and revoke. */
export function WebhooksSection({ instanceId }: { instanceId: string }) {
  const list = useLoad((signal) => call(api.GET('/api/plugins/instances/{id}/webhooks', { params: { path: { id: instanceId } }, signal })), [instanceId]);
  const [shown, setShown] = useState<ShownOnce | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const createName = useRef<HTMLInputElement>(null);

  const rotate = async (webhook: Webhook) => {
    setActionError(null);
    try {
      const rotated = await call(api.POST('/api/plugins/instances/{id}/webhooks/{webhook_id}/rotate', { params: { path: { id: instanceId, webhook_id: webhook.id } } }));
      setShown({ kind: 'rotated', webhook: rotated });
      list.reload();
    } catch (error) {
      setActionError(asApiError(error));
    }
  };
  const revoke = async (webhook: Webhook) => {
    setActionError(null);
    try {
      await call(api.DELETE('/api/plugins/instances/{id}/webhooks/{webhook_id}', { params: { path: { id: instanceId, webhook_id: webhook.id } } }));
      if (shown?.webhook.id === webhook.id) setShown(null);
      list.reload();
    } catch (error) {
      setActionError(asApiError(error));
    }
  };
  const items = list.data?.items ?? [];

  return (
    <section className="panel webhooks-panel" aria-labelledby="webhooks-heading">
      <div className="panel-head">
        <h2 id="webhooks-heading">Webhooks</h2>
      </div>
      <p className="muted small">A webhook is a URL another system (GitHub, a billing system, a cron service) POSTs to, to start a run of this instance.</p>
      {shown ? (
        <ShownOnceNotice
          shown={shown}
          onDone={() => {
            setShown(null);
            setTimeout(() => createName.current?.focus());
          }}
        />
      ) : null}
      {list.error ? <ErrorNotice error={list.error} onRetry={list.reload} /> : null}
      {actionError ? <ErrorNotice error={actionError} /> : null}
      {list.data && items.length === 0 ? (
        <EmptyState title="No webhooks">
          <p>Create one below, then give its URL to the system that should start runs.</p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="data-table webhooks-table">
          <caption className="visually-hidden">Webhooks of this instance, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Signing</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((webhook) => (
              <tr key={webhook.id} className={webhook.revoked_at ? 'revoked' : undefined}>
                <th scope="row" data-label="Name">
                  {webhook.name}
                </th>
                <td data-label="Signing">{signingLabel(webhook.signing)}</td>
                <td data-label="Created">
                  <Time value={webhook.created_at} />
                </td>
                <td data-label="Last used">{webhook.last_used_at ? <Time value={webhook.last_used_at} /> : <span className="muted">Never</span>}</td>
                <td data-label="State">
                  {webhook.revoked_at ? (
                    <>
                      Revoked <Time value={webhook.revoked_at} />
                    </>
                  ) : webhook.active_secrets === 2 ? (
                    'Active; the previous secret still verifies'
                  ) : (
                    'Active'
                  )}
                </td>
                <td data-label="Actions">
                  {webhook.revoked_at ? (
                    <span className="muted">—</span>
                  ) : (
                    <div className="row-actions">
                      {webhook.signing ? (
                        <button type="button" className="button small" onClick={() => rotate(webhook)}>
                          Rotate secret<span className="visually-hidden"> of {webhook.name}</span>
                        </button>
                      ) : null}
                      <ConfirmButton question={`Revoke “${webhook.name}”? Its URL stops working at once, for good.`} confirm="Revoke it" onConfirm={() => revoke(webhook)}>
                        Revoke<span className="visually-hidden"> {webhook.name}</span>
                      </ConfirmButton>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <CreateWebhook
        instanceId={instanceId}
        nameInput={createName}
        onCreated={(webhook) => {
          setShown({ kind: 'created', webhook });
          list.reload();
        }}
      />
    </section>
  );
}

function CreateWebhook({ instanceId, nameInput, onCreated }: { instanceId: string; nameInput: RefObject<HTMLInputElement | null>; onCreated: (webhook: CreatedWebhook) => void }) {
  const [name, setName] = useState('');
  const [signing, setSigning] = useState<'none' | 'github' | 'standard'>('github');
  const [creating, setCreating] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const nameErrors = fieldErrors.map((entry) => entry.message);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (name.trim() === '') {
      setFieldErrors([{ path: '/name', message: 'Give the webhook a name: who sends to it.' }]);
      nameInput.current?.focus();
      return;
    }
    setCreating(true);
    try {
      const created = await call(api.POST('/api/plugins/instances/{id}/webhooks', { params: { path: { id: instanceId } }, body: { name: name.trim(), ...(signing === 'none' ? {} : { signing }) } }));
      setName('');
      setFieldErrors([]);
      onCreated(created);
    } catch (failure) {
      const problem = asApiError(failure);
      const onName = problem.errors.filter((entry) => entry.path === '/name');
      if (problem.status === 400 && onName.length === problem.errors.length && onName.length > 0) setFieldErrors(onName);
      else setError(problem);
    } finally {
      setCreating(false);
    }
  };

  return (
    <form className="inline-form" onSubmit={submit} noValidate aria-labelledby="webhook-create-heading">
      <h3 id="webhook-create-heading">New webhook</h3>
      <div className="inline-fields">
        <div className="field">
          <label htmlFor="webhook-name">Name</label>
          <input
            ref={nameInput}
            id="webhook-name"
            type="text"
            autoComplete="off"
            value={name}
            onChange={(event) => {
              setName(event.target.value);
              setFieldErrors([]);
            }}
            placeholder="github-push"
            aria-invalid={nameErrors.length > 0 ? true : undefined}
            aria-describedby={nameErrors.length > 0 ? 'webhook-name-error' : undefined}
          />
          {nameErrors.length > 0 ? (
            <ul className="field-errors" id="webhook-name-error">
              {nameErrors.map((message) => (
                <li key={message}>{message}</li>
              ))}
            </ul>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="webhook-signing">Signing</label>
          <select id="webhook-signing" value={signing} onChange={(event) => setSigning(event.target.value as typeof signing)} aria-describedby="webhook-signing-hint">
            <option value="github">GitHub (X-Hub-Signature-256)</option>
            <option value="standard">Standard Webhooks</option>
            <option value="none">None: the URL alone is the credential</option>
          </select>
        </div>
        <button type="submit" className="button primary" disabled={creating}>
          {creating ? 'Creating…' : 'Create webhook'}
        </button>
      </div>
      <p className="field-hint" id="webhook-signing-hint">
        With signing, each delivery must carry a signature made with a secret only the sender knows. Choose GitHub for a GitHub repository, Standard Webhooks for senders that speak
        it, none only for a sender on your own network.
      </p>
      {error ? <ErrorNotice error={error} titlePrefix="Not created" /> : null}
    </form>
  );
}

/** The URL, token and secret of a new webhook, or a rotated secret: shown this once, with copy buttons and a test command. */
function ShownOnceNotice({ shown, onDone }: { shown: ShownOnce; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [shown]);
  const { webhook } = shown;
  const secret = webhook.signing_secret ?? undefined;
  const url = shown.kind === 'created' ? absoluteUrl(shown.webhook.url, window.location.origin) : undefined;
  const script = url ? testDeliveryScript({ url, signing: webhook.signing, secret }) : undefined;

  return (
    <div className="notice warning shown-once" role="region" aria-labelledby="shown-once-heading">
      <h3 id="shown-once-heading" ref={heading} tabIndex={-1} className="notice-title">
        {shown.kind === 'created' ? `Webhook “${webhook.name}” created: copy its URL${secret ? ' and secret' : ''} now` : `New signing secret for “${webhook.name}”: copy it now`}
      </h3>
      <p>
        {shown.kind === 'created'
          ? 'They are shown only this once: the server keeps only a hash of the token and a sealed copy of the secret. If you lose them, revoke this webhook and create another.'
          : 'It is shown only this once. Put it into the sender now.'}
      </p>
      {url ? <OnceValue id="once-url" label="URL" value={url} /> : null}
      {shown.kind === 'created' ? <OnceValue id="once-token" label="Token (the last part of the URL)" value={shown.webhook.token} what="token" /> : null}
      {secret ? <OnceValue id="once-secret" label="Signing secret" value={secret} what="signing secret" /> : null}
      {shown.kind === 'rotated' && shown.webhook.previous_secret_expires_at ? (
        <p>
          The previous secret keeps working until <Time value={shown.webhook.previous_secret_expires_at} />, so the sender can switch over without a failed delivery.
        </p>
      ) : null}
      {script ? (
        <div className="test-delivery">
          <h4>Send a test delivery</h4>
          <ol className="small">
            {signingSteps(webhook.signing).map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
          <p className="small">
            {webhook.signing ? 'This command (bash, with curl and openssl) signs and sends one; ' : 'This command sends one; '}
            the server answers 202 and a run starts:
          </p>
          <div className="copy-row">
            <pre className="code-block command" tabIndex={0} aria-label="Test delivery command" id="once-command">
              {script}
            </pre>
            <CopyButton text={script} what="test delivery command" />
          </div>
        </div>
      ) : null}
      <div className="notice-actions">
        <button type="button" className="button primary" onClick={onDone}>
          I have copied them
        </button>
      </div>
    </div>
  );
}

function OnceValue({ id, label, value, what = label.toLowerCase() }: { id: string; label: string; value: string; what?: string }) {
  return (
    <div className="field once-value">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} type="text" className="code" readOnly value={value} onFocus={(event) => event.target.select()} />
        <CopyButton text={value} what={what} />
      </div>
    </div>
  );
}
