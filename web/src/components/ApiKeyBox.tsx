import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useApiKey } from '../api/api-key';

/**
 * The API key of this tab, in the header. Until a key exists on the server, requests from its own machine need none;
 * after that every page needs one, and a 401 or 403 opens this box. The key stays in sessionStorage: this tab only.
 */
export function ApiKeyBox() {
  const { hasKey, setKey, boxOpen, openBox, closeBox } = useApiKey();
  const [draft, setDraft] = useState('');
  const toggle = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (boxOpen) input.current?.focus();
  }, [boxOpen]);

  const close = () => {
    closeBox();
    toggle.current?.focus();
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    const key = draft.trim();
    setKey(key === '' ? null : key);
    setDraft('');
    close();
  };

  return (
    <div className="key-box" onKeyDown={(event) => event.key === 'Escape' && boxOpen && close()}>
      <button ref={toggle} type="button" className={`button key-toggle${hasKey ? ' has-key' : ''}`} aria-expanded={boxOpen} aria-controls="api-key-panel" onClick={() => (boxOpen ? close() : openBox())}>
        <svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16">
          <path d="M14 3a7 7 0 0 0-6.7 9.1L2 17.4V22h4.6l1-1v-2h2v-2h2l1.3-1.3A7 7 0 1 0 14 3zm2.5 4a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z" fill="currentColor" />
        </svg>
        {hasKey ? 'API key set' : 'API key'}
      </button>
      {boxOpen ? (
        <div id="api-key-panel" ref={panel} className="key-panel">
          <form onSubmit={save}>
            <label htmlFor="api-key-input">API key</label>
            <input id="api-key-input" ref={input} type="password" autoComplete="off" spellCheck={false} placeholder="pif_…" value={draft} onChange={(event) => setDraft(event.target.value)} aria-describedby="api-key-help" />
            <p id="api-key-help" className="field-hint">
              Sent as a bearer token with every request from this tab, and kept only until the tab closes. On the server&apos;s own machine none is needed until the first key is
              created (<code>npm run keys -- create</code>).
            </p>
            <div className="form-actions">
              <button type="submit" className="button primary">
                Use this key
              </button>
              {hasKey ? (
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    setKey(null);
                    close();
                  }}
                >
                  Forget the key
                </button>
              ) : null}
              <button type="button" className="button" onClick={close}>
                Cancel
              </button>
            </div>
          </form>
        </div>
      ) : null}
    </div>
  );
}
