import { Link } from 'react-router-dom';
import { useTitle } from '../hooks';

export function NotFoundPage() {
  useTitle('Not found');
  return (
    <>
      <h1>No page here</h1>
      <p>
        The address does not name a page of the console. Go to the <Link to="/instances">instances</Link> or the <Link to="/templates">templates</Link>.
      </p>
    </>
  );
}
