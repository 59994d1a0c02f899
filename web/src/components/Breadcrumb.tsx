import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';

export interface Crumb {
  to: string;
  label: ReactNode;
}

/** The trail of pages above this one, as links: every page below a list shows the way back the same way. */
export function Breadcrumb({ trail }: { trail: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <ol>
        {trail.map((crumb) => (
          <li key={crumb.to}>
            <Link to={crumb.to}>{crumb.label}</Link>
          </li>
        ))}
      </ol>
    </nav>
  );
}
