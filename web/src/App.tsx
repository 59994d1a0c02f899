import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { Layout } from './components/Layout';
import { Loading } from './components/Loading';
import { DependencyGraphPage } from './pages/DependencyGraphPage';
import { InstancePage } from './pages/InstancePage';
import { InstancesPage } from './pages/InstancesPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { RunPage } from './pages/RunPage';
import { TemplatesPage } from './pages/TemplatesPage';
import { UpcomingPage } from './pages/UpcomingPage';

// The form generator is most of the bundle: the lists load without it, the editor fetches it when opened.
const InstanceEditorPage = lazy(() => import('./pages/InstanceEditorPage').then((module) => ({ default: module.InstanceEditorPage })));
const editor = (
  <Suspense fallback={<Loading what="the form" />}>
    <InstanceEditorPage />
  </Suspense>
);

/**
 * The console's pages. Every path here is answered with index.html by the server (src/console/console-static.ts), so
 * a reload or a shared link lands on the same page. A new page adds its route here and, if it is a section, a link in
 * Layout's navigation.
 */
export function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<Navigate to="/instances" replace />} />
        <Route path="instances" element={<InstancesPage />} />
        <Route path="instances/new" element={editor} />
        <Route path="instances/:id" element={<InstancePage />} />
        <Route path="instances/:id/edit" element={editor} />
        <Route path="instances/:id/runs/:executionId" element={<RunPage />} />
        <Route path="templates" element={<TemplatesPage />} />
        <Route path="upcoming" element={<UpcomingPage />} />
        <Route path="dependencies" element={<DependencyGraphPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
