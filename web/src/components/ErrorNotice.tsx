import { useApiKey } from '../api/api-key';
import { nextStep, type ApiError } from '../api/problem';

/** An API error as the user reads it: what failed, why, the fields at fault, and what to do next. */
export function ErrorNotice({ error, onRetry, titlePrefix }: { error: ApiError; onRetry?: () => void; titlePrefix?: string }) {
  const { openBox } = useApiKey();
  const step = nextStep(error);
  return (
    <div className="notice error" role="alert">
      <p className="notice-title">
        {titlePrefix ? `${titlePrefix}: ` : ''}
        {error.title}
      </p>
      {error.detail ? <p>{error.detail}</p> : null}
      {error.errors.length > 0 ? (
        <ul>
          {error.errors.map((field) => (
            <li key={`${field.path} ${field.message}`}>
              <code>{field.path || '/'}</code> {field.message}
            </li>
          ))}
        </ul>
      ) : null}
      {step ? <p>{step}</p> : null}
      <div className="notice-actions">
        {error.needsKey ? (
          <button type="button" className="button" onClick={openBox}>
            Enter an API key
          </button>
        ) : null}
        {onRetry ? (
          <button type="button" className="button" onClick={onRetry}>
            Try again
          </button>
        ) : null}
      </div>
    </div>
  );
}
