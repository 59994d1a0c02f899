export { PluginTemplate } from './plugin-template.decorator';
export * from './types';
export { isPlainObject } from '../common/json';
// The framework services plugins may inject, and the helpers that go with them.
export { DataStoreService } from '../data-store/data-store.service';
export { FileRootsService } from '../data-store/file-roots.service';
export { DataStoreError } from '../data-store/data-store.types';
export type { CellValue, ColumnType, TableColumn, TableInfo, WriteTableOptions, WriteTableResult, QueryOptions } from '../data-store/data-store.types';
export { parseCell, uniqueColumnNames, defaultColumnNames } from '../data-store/cells';
export { importRows } from './import-rows';
export { compareTemplateVersions } from '../templates/template-version';
export type { ImportInput, ImportResult, ImportRowsOptions } from './import-rows';
export { OutboundHttpService } from '../outbound-http/outbound-http.service';
export type { OutboundRequestInit } from '../outbound-http/outbound-http.service';
export { OutboundRequestRefusedError } from '../outbound-http/guarded-connector';
