import { useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import type { components } from '../../../openapi/client';
import { api, call } from '../api/client';
import type { ApiError } from '../api/problem';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { asApiError, useLoad, useMore, useTitle } from '../hooks';
import { CHANNEL_TYPES, eventLabel, filterSummary } from '../notifications/channel-form';
import { ListFooter } from '../components/ListFooter';
import { Breadcrumb } from '../components/Breadcrumb';

type TestResult = components['schemas']['TestSendResultDto'];

/** Delivery attempts per page of the log, newest first; "Load older deliveries" asks for the next page. */
const DELIVERIES_PAGE = 20;
const OUTCOME_CLASS: Record<string, string> = { delivered: 'status-succeeded', failed: 'status-queued', dead: 'status-failed' };
const OUTCOME_MEANING: Record<string, string> = { delivered: 'the receiver accepted it', failed: 'it will be tried again', dead: 'the last attempt failed; no more are made' };

/** One channel (`/notifications/<id>`): its settings, test-send, delete, and the delivery log. */
export function ChannelPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const state = location.state as { flash?: string } | null;
  const channel = useLoad((signal) => call(api.GET('/api/notifications/channels/{id}', { params: { path: { id } }, signal })), [id]);
  const deliveries = useLoad((signal) => call(api.GET('/api/notifications/deliveries', { params: { query: { channel_id: id, limit: DELIVERIES_PAGE } }, signal })), [id]);
  const log = useMore(deliveries.data, (cursor) => call(api.GET('/api/notifications/deliveries', { params: { query: { channel_id: id, limit: DELIVERIES_PAGE, cursor } } })));
  useTitle(channel.data?.name ?? 'Notification channel');

  const [testing, setTesting] = useState(false);
  const [test, setTest] = useState<{ result?: TestResult; error?: ApiError } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<ApiError | null>(null);

  const sendTest = async () => {
    setTesting(true);
    setTest(null);
    try {
      setTest({ result: await call(api.POST('/api/notifications/channels/{id}/test', { params: { path: { id } } })) });
    } catch (error) {
      setTest({ error: asApiError(error) });
    } finally {
      setTesting(false);
      deliveries.reload();
    }
  };

  const remove = async () => {
    setDeleting(true);
    setDeleteError(null);
    try {
      await call(api.DELETE('/api/notifications/channels/{id}', { params: { path: { id } } }));
      navigate('/notifications', { replace: true });
    } catch (error) {
      setDeleteError(asApiError(error));
      setConfirmDelete(false);
    } finally {
      setDeleting(false);
    }
  };

  if (channel.error && !channel.data) {
    return (
      <>
        <h1>Notification channel</h1>
        <ErrorNotice error={channel.error} onRetry={channel.error.status === 404 ? undefined : channel.reload} />
        <p>
          <Link to="/notifications">See all channels</Link>
        </p>
      </>
    );
  }
  if (!channel.data) return <Loading what="the channel" />;
  const current = channel.data;
  const config = current.config;

  return (
    <>
      <Breadcrumb trail={[{ to: '/notifications', label: 'Notification channels' }]} />
      <div className="page-head with-action">
        <div>
          <h1>
            {current.name} {current.enabled ? null : <span className="badge status-inactive">Disabled</span>}
          </h1>
          <p className="lead">{CHANNEL_TYPES[current.type].meaning}</p>
        </div>
        <div className="actions">
          <button type="button" className="button primary" onClick={sendTest} disabled={testing}>
            {testing ? 'Sending…' : 'Send a test'}
          </button>
          <Link className="button" to={`/notifications/${current.id}/edit`}>
            Edit
          </Link>
          <button type="button" className="button danger" onClick={() => setConfirmDelete(true)} disabled={confirmDelete || deleting} aria-expanded={confirmDelete} aria-controls="delete-confirm">
            Delete
          </button>
        </div>
      </div>
      {state?.flash ? (
        <p className="notice success" role="status">
          {state.flash}
        </p>
      ) : null}
      {confirmDelete ? (
        <div id="delete-confirm" className="notice warning" role="alertdialog" aria-labelledby="delete-confirm-title">
          <p id="delete-confirm-title" className="notice-title">
            Delete the channel “{current.name}”, with its queued messages and delivery log?
          </p>
          <p>Nothing more is announced through it. This cannot be undone; a new channel needs its settings again.</p>
          <div className="notice-actions">
            <button type="button" className="button danger" onClick={remove} disabled={deleting} autoFocus>
              {deleting ? 'Deleting…' : 'Delete the channel'}
            </button>
            <button type="button" className="button" onClick={() => setConfirmDelete(false)} disabled={deleting}>
              Keep it
            </button>
          </div>
        </div>
      ) : null}
      {deleteError ? <ErrorNotice error={deleteError} titlePrefix="Not deleted" /> : null}
      {test?.error ? <ErrorNotice error={test.error} titlePrefix="Test not sent" /> : null}
      {test?.result ? (
        <div className={`notice ${test.result.delivered ? 'success' : 'error'}`} role="status">
          <p className="notice-title">{test.result.delivered ? 'Test delivered' : 'Test not delivered'}</p>
          <p>
            {test.result.status_code !== null ? `The receiver answered ${test.result.status_code}. ` : 'No answer came. '}
            {test.result.error ?? (test.result.delivered ? 'The attempt is in the delivery log below.' : '')}
          </p>
          {!test.result.delivered ? <p>Check the receiver’s address and that it is running; a private or loopback address needs FETCH_ALLOW_HOSTS on the server.</p> : null}
        </div>
      ) : null}

      <section className="panel" aria-labelledby="channel-settings-heading">
        <h2 id="channel-settings-heading">Settings</h2>
        <dl className="details">
          <dt>Type</dt>
          <dd>{CHANNEL_TYPES[current.type].label}</dd>
          {current.type === 'webhook' ? (
            <>
              <dt>URL</dt>
              <dd>
                <code>{String(config.url)}</code>
              </dd>
              <dt>Signing secret</dt>
              <dd>Stored encrypted; never shown again</dd>
            </>
          ) : null}
          {current.type === 'slack' ? (
            <>
              <dt>Webhook URL</dt>
              <dd>Stored encrypted (the URL is the credential); never shown again</dd>
            </>
          ) : null}
          {current.type === 'email' ? (
            <>
              <dt>SMTP server</dt>
              <dd>
                <code>
                  {String(config.host)}:{String(config.port)}
                </code>{' '}
                ({String(config.security)})
              </dd>
              <dt>Login</dt>
              <dd>{typeof config.username === 'string' ? `${config.username} (password stored encrypted)` : 'None'}</dd>
              <dt>From</dt>
              <dd>{String(config.from)}</dd>
              <dt>To</dt>
              <dd>{Array.isArray(config.to) ? config.to.join(', ') : ''}</dd>
            </>
          ) : null}
          <dt>Announces</dt>
          <dd>{current.events.map(eventLabel).join(', ')}</dd>
          <dt>For</dt>
          <dd>{filterSummary(current.instance_ids, current.template_ids)}</dd>
          <dt>Failures</dt>
          <dd>{current.failure_threshold === 1 ? 'Every failed run' : `From ${current.failure_threshold} failed runs in a row on`}</dd>
          <dt>Grouping</dt>
          <dd>{current.group_window_seconds === 0 ? 'Every event on its own' : `Repeats within ${current.group_window_seconds} s sent as one message`}</dd>
          <dt>Created</dt>
          <dd>
            <Time value={current.created_at} />
          </dd>
        </dl>
      </section>

      <section className="panel" aria-labelledby="deliveries-heading">
        <div className="panel-head">
          <h2 id="deliveries-heading">Delivery log</h2>
          <button type="button" className="button small" onClick={deliveries.reload} disabled={deliveries.loading}>
            {deliveries.loading && deliveries.data ? 'Refreshing…' : 'Refresh'}
          </button>
        </div>
        <p className="muted small">Every attempt to send, newest first. A failed attempt is tried again after 10, 20, 40 and 80 seconds.</p>
        {deliveries.error ? <ErrorNotice error={deliveries.error} onRetry={deliveries.reload} /> : null}
        {deliveries.loading && !deliveries.data ? <Loading what="the delivery log" /> : null}
        {deliveries.data && log.items.length === 0 ? (
          <EmptyState title="Nothing sent yet">
            <p>Messages go out when a run ends with an event this channel announces. Use “Send a test” above to check the receiver now.</p>
          </EmptyState>
        ) : null}
        {log.items.length > 0 ? (
          <table className="data-table deliveries-table">
            <caption className="visually-hidden">Delivery attempts of this channel, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Status</th>
                <th scope="col">Error</th>
                <th scope="col">Message id</th>
              </tr>
            </thead>
            <tbody>
              {log.items.map((delivery) => (
                <tr key={delivery.id}>
                  <th scope="row" data-label="Time">
                    <Time value={delivery.at} />
                  </th>
                  <td data-label="Event">{eventLabel(delivery.event)}</td>
                  <td data-label="Outcome">
                    <span className={`badge ${OUTCOME_CLASS[delivery.outcome] ?? ''}`} title={OUTCOME_MEANING[delivery.outcome]}>
                      {delivery.outcome[0].toUpperCase() + delivery.outcome.slice(1)}
                    </span>
                  </td>
                  <td data-label="Status">{delivery.status_code ?? <span className="muted">No answer</span>}</td>
                  <td data-label="Error" className={delivery.error ? 'error-text' : undefined}>
                    {delivery.error ?? <span className="muted">—</span>}
                  </td>
                  <td data-label="Message id">{delivery.message_id ? <code className="small">{delivery.message_id}</code> : <span className="muted">Test</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <ListFooter more={log} label="Load older deliveries" />
      </section>
    </>
  );
}
