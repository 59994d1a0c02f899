import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A button for something that cannot be undone: the first press asks, in words, and offers the action and a way back
 * (which has the focus, so a second Enter does not do it by accident).
 */
export function ConfirmButton({ children, question, confirm, onConfirm, disabled }: { children: ReactNode; question: string; confirm: string; onConfirm: () => void; disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  const keep = useRef<HTMLButtonElement>(null);
  const start = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (asking) keep.current?.focus();
    else if (asked.current) start.current?.focus();
    asked.current ||= asking;
  }, [asking]);

  if (!asking) {
    return (
      <button ref={start} type="button" className="button small danger" onClick={() => setAsking(true)} disabled={disabled}>
        {children}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className="button small danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirm}
      </button>
      <button ref={keep} type="button" className="button small" onClick={() => setAsking(false)}>
        Keep it
      </button>
    </span>
  );
}
