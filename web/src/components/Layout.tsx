import { useEffect, useRef } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router-dom';
import { ApiKeyBox } from './ApiKeyBox';

/** Every page: the header with the navigation and the key box, then the page in <main>. */
export function Layout() {
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const firstPage = useRef(true);
  // After a navigation the link that had focus is gone: move focus to the new page, so keyboard and screen reader
  // users start at its content. A page that focused a field of its own (the name of a new instance) keeps that.
  useEffect(() => {
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    if (document.activeElement === null || document.activeElement === document.body) main.current?.focus();
  }, [pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to the content
      </a>
      <header className="site-header">
        <div className="header-inner">
          <Link to="/instances" className="brand">
            <svg aria-hidden="true" viewBox="0 0 32 32" width="24" height="24">
              <rect width="32" height="32" rx="6" fill="currentColor" />
              <path d="M9 8h9a6 6 0 0 1 0 12h-5v4H9z M13 12v4h5a2 2 0 0 0 0-4z" fill="#fff" fillRule="evenodd" />
            </svg>
            <span>Plugin Instance Framework</span>
          </Link>
          <nav aria-label="Main">
            <ul>
              <li>
                <NavLink to="/instances">Instances</NavLink>
              </li>
              <li>
                <NavLink to="/templates">Templates</NavLink>
              </li>
              <li>
                <NavLink to="/upcoming">Upcoming</NavLink>
              </li>
              <li>
                <NavLink to="/dependencies">Dependencies</NavLink>
              </li>
              <li>
                <NavLink to="/data">Data</NavLink>
              </li>
              <li>
                <NavLink to="/notifications">Notifications</NavLink>
              </li>
              <li>
                <NavLink to="/provisioning">Provisioning</NavLink>
              </li>
            </ul>
          </nav>
          <ApiKeyBox />
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <a href="/docs">API reference (Swagger UI)</a>
      </footer>
    </>
  );
}
