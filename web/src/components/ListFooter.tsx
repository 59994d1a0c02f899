import type { ReactNode } from 'react';
import type { More } from '../hooks';
import { ErrorNotice } from './ErrorNotice';

/**
 * Under a cursor-paged list: what is shown (a live status line, when given), the button that loads the next page
 * while the server has more, and the error of a page that failed to load, with a retry.
 */
export function ListFooter({ more, label, status }: { more: More<unknown>; label: string; status?: ReactNode }) {
  return (
    <>
      {status !== undefined || more.hasMore ? (
        <div className="list-footer">
          {status !== undefined ? (
            <p className="muted" role="status">
              {status}
            </p>
          ) : null}
          {more.hasMore ? (
            <button type="button" className="button" onClick={more.loadMore} disabled={more.loading}>
              {more.loading ? 'Loading…' : label}
            </button>
          ) : null}
        </div>
      ) : null}
      {more.error ? <ErrorNotice error={more.error} onRetry={more.loadMore} /> : null}
    </>
  );
}
