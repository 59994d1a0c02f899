import type { ApiError } from '../api/problem';
import { ErrorNotice } from '../components/ErrorNotice';

/** Why a save of part of an instance failed: a 412 explained with a way to reload, anything else as the server said it. */
export function SaveProblem({ error, onReload }: { error: ApiError; onReload: () => void }) {
  if (error.status !== 412) return <ErrorNotice error={error} titlePrefix="Not saved" />;
  return (
    <div className="notice error" role="alert">
      <p className="notice-title">Someone else changed this instance meanwhile</p>
      <p>
        Nothing was saved, so that their change is not overwritten unseen.{error.currentVersion ? ` The instance is now at version ${error.currentVersion}.` : ''} Reload the instance to see it, then make your change again.
      </p>
      <div className="notice-actions">
        <button type="button" className="button primary" onClick={onReload}>
          Reload the instance
        </button>
      </div>
    </div>
  );
}
