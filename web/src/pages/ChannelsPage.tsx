import { Link } from 'react-router-dom';
import { api, call } from '../api/client';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { CHANNEL_TYPES, eventLabel, filterSummary } from '../notifications/channel-form';
import { useLoad, useTitle } from '../hooks';

/** The notification channels (`/notifications`): where run outcomes are announced. */
export function ChannelsPage() {
  useTitle('Notifications');
  const channels = useLoad((signal) => call(api.GET('/api/notifications/channels', { signal })), []);
  return (
    <>
      <div className="page-head with-action">
        <div>
          <h1>Notification channels</h1>
          <p className="lead">Where run outcomes are announced: a signed webhook, a Slack channel or email. Open a channel to send a test and see every delivery attempt.</p>
        </div>
        <Link className="button primary" to="/notifications/new">
          New channel
        </Link>
      </div>
      {channels.error ? <ErrorNotice error={channels.error} onRetry={channels.reload} /> : null}
      {channels.loading && !channels.data ? <Loading what="channels" /> : null}
      {channels.data && channels.data.items.length === 0 ? (
        <EmptyState title="No channels yet">
          <p>
            Nobody hears about failed runs until a channel announces them. <Link to="/notifications/new">Create a channel</Link>: a webhook, a Slack incoming webhook or an SMTP
            server.
          </p>
        </EmptyState>
      ) : null}
      {channels.data && channels.data.items.length > 0 ? (
        <table className="data-table channels-table">
          <caption className="visually-hidden">Notification channels, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Announces</th>
              <th scope="col">For</th>
              <th scope="col">Enabled</th>
            </tr>
          </thead>
          <tbody>
            {channels.data.items.map((channel) => (
              <tr key={channel.id}>
                <th scope="row" data-label="Name">
                  <Link to={`/notifications/${channel.id}`}>{channel.name}</Link>
                </th>
                <td data-label="Type">{CHANNEL_TYPES[channel.type].label}</td>
                <td data-label="Announces">{channel.events.map(eventLabel).join(', ')}</td>
                <td data-label="For">{filterSummary(channel.instance_ids, channel.template_ids)}</td>
                <td data-label="Enabled">{channel.enabled ? 'Yes' : <span className="badge status-inactive">Disabled</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
