import { useState } from 'react';

/** A secret the server answers once (a generated webhook signing secret): shown with a copy button and a warning. */
export function SecretOnce({ secret }: { secret: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('no'); // no clipboard (not a secure context, or refused): the text stays selectable
    }
  };
  return (
    <div className="notice warning secret-once" role="status">
      <p className="notice-title">Copy the signing secret now: it is shown only this once</p>
      <p>The receiver verifies each message with it (any Standard Webhooks library). The server keeps it encrypted and never shows it again; to change it, edit the channel and give a new one.</p>
      <div className="secret-once-value">
        <label htmlFor="signing-secret">Signing secret</label>
        <div className="secret-input">
          <input id="signing-secret" type="text" className="code" value={secret} readOnly onFocus={(event) => event.currentTarget.select()} />
          <button type="button" className="button small" onClick={copy}>
            Copy
          </button>
        </div>
        <p className="field-hint" role="status">
          {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? 'The browser did not allow copying: select the text and copy it yourself.' : ''}
        </p>
      </div>
    </div>
  );
}
