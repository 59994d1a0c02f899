import { Link, useSearchParams } from 'react-router-dom';
import { api, call } from '../api/client';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { formatCount } from '../format';
import { useLoad, useTitle } from '../hooks';
import { formatLocalTime, formatUtc } from '../triggers/schedule';

/** The windows offered, in hours ahead of now. */
const WINDOWS = [
  { hours: 24, label: 'Next 24 hours' },
  { hours: 24 * 7, label: 'Next 7 days' },
  { hours: 24 * 30, label: 'Next 30 days' },
];
/** The most runs listed at once (the API takes up to 1000). */
const LIMIT = 200;

/** Every scheduled run coming up, across instances, soonest first (GET /api/plugins/schedule?until=). */
export function UpcomingPage() {
  useTitle('Upcoming runs');
  const [params, setParams] = useSearchParams();
  const hours = WINDOWS.some((window) => String(window.hours) === params.get('hours')) ? Number(params.get('hours')) : WINDOWS[0].hours;
  const upcoming = useLoad((signal) => call(api.GET('/api/plugins/schedule', { params: { query: { until: new Date(Date.now() + hours * 3_600_000).toISOString(), limit: LIMIT } }, signal })), [hours]);
  const items = upcoming.data?.items ?? [];

  return (
    <>
      <div className="page-head with-action">
        <div>
          <h1>Upcoming runs</h1>
          <p className="lead">What the schedules of enabled instances will run, soonest first. Give an instance a schedule on its page.</p>
        </div>
        <button type="button" className="button" onClick={upcoming.reload} disabled={upcoming.loading}>
          {upcoming.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <form className="filters" aria-label="Window" onSubmit={(event) => event.preventDefault()}>
        <div className="filter">
          <label htmlFor="upcoming-window">Show</label>
          <select id="upcoming-window" value={hours} onChange={(event) => setParams({ hours: event.target.value }, { replace: true })}>
            {WINDOWS.map((window) => (
              <option key={window.hours} value={window.hours}>
                {window.label}
              </option>
            ))}
          </select>
        </div>
      </form>
      {upcoming.error ? <ErrorNotice error={upcoming.error} onRetry={upcoming.reload} /> : null}
      {upcoming.loading && !upcoming.data ? <Loading what="the upcoming runs" /> : null}
      {upcoming.data && items.length === 0 ? (
        <EmptyState title="Nothing runs by schedule in this window">
          <p>
            Choose a longer window above, or open an <Link to="/instances">instance</Link> and add a schedule under “Schedule”. Disabled instances and paused schedules do not
            run and are not listed.
          </p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <>
          <table className="data-table upcoming-table" aria-busy={upcoming.loading}>
            <caption className="visually-hidden">Scheduled runs until {upcoming.data ? new Date(upcoming.data.until).toLocaleString() : ''}, soonest first</caption>
            <thead>
              <tr>
                <th scope="col">Your time</th>
                <th scope="col">Instance</th>
                <th scope="col">In the schedule’s zone</th>
                <th scope="col">UTC</th>
              </tr>
            </thead>
            <tbody>
              {items.map((fire) => (
                <tr key={`${fire.instance_id} ${fire.scheduled_for}`}>
                  <th scope="row" data-label="Your time">
                    <Time value={fire.scheduled_for} />
                  </th>
                  <td data-label="Instance">
                    <Link to={`/instances/${fire.instance_id}`}>{fire.instance_name}</Link>
                  </td>
                  <td data-label={`In ${fire.timezone}`}>
                    {formatLocalTime(fire.local_time)} <span className="muted small">{fire.timezone}</span>
                  </td>
                  <td data-label="UTC">{formatUtc(fire.scheduled_for)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="list-footer">
            <p className="muted" role="status">
              {formatCount(items.length, 'run')}
              {items.length >= LIMIT ? ` (only the first ${LIMIT} are listed)` : ''} until <Time value={upcoming.data?.until} />.
            </p>
          </div>
        </>
      ) : null}
    </>
  );
}
