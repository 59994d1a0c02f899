import type { ReactNode } from 'react';

/** Nothing to show, and what to do about it. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      <div>{children}</div>
    </div>
  );
}
