import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { Layout } from './components/Layout';
import { Loading } from './components/Loading';
import { ChannelEditorPage } from './pages/ChannelEditorPage';
import { ChannelPage } from './pages/ChannelPage';
import { ChannelsPage } from './pages/ChannelsPage';
import { DataTablePage } from './pages/DataTablePage';
import { DataTablesPage } from './pages/DataTablesPage';
import { DependencyGraphPage } from './pages/DependencyGraphPage';
import { InstancePage } from './pages/InstancePage';
import { InstancesPage } from './pages/InstancesPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { RunPage } from './pages/RunPage';
import { LoadErrorsPage } from './pages/LoadErrorsPage';
import { ProvisioningPage } from './pages/ProvisioningPage';
import { TemplatesPage } from './pages/TemplatesPage';
import { VersionPage } from './pages/VersionPage';
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
        <Route path="instances/:id/versions/:version" element={<VersionPage />} />
        <Route path="templates" element={<TemplatesPage />} />
        <Route path="templates/load-errors" element={<LoadErrorsPage />} />
        <Route path="data" element={<DataTablesPage />} />
        <Route path="data/:name" element={<DataTablePage />} />
        <Route path="notifications" element={<ChannelsPage />} />
        <Route path="notifications/new" element={<ChannelEditorPage />} />
        <Route path="notifications/:id" element={<ChannelPage />} />
        <Route path="notifications/:id/edit" element={<ChannelEditorPage />} />
        <Route path="provisioning" element={<ProvisioningPage />} />
        <Route path="upcoming" element={<UpcomingPage />} />
        <Route path="dependencies" element={<DependencyGraphPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
