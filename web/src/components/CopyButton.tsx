import { useState } from 'react';

/**
 * Copies `text` to the clipboard and says so. Where the browser refuses (no permission, an insecure origin), it says
 * to copy by hand: the text is always on screen beside the button, selectable.
 */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span className="copy-button">
      <button type="button" className="button small" onClick={copy} aria-label={`Copy ${what}`}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span role="status" className={state === 'failed' ? 'small error-text' : 'visually-hidden'}>
        {state === 'copied' ? `${what[0].toUpperCase()}${what.slice(1)} copied.` : state === 'failed' ? 'The browser did not allow copying: select the text and copy it.' : ''}
      </span>
    </span>
  );
}
