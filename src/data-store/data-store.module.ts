import { Global, Module } from '@nestjs/common';
import { DataStoreService } from './data-store.service';
import { DataTablesController } from './data-tables.controller';
import { FileRootsService } from './file-roots.service';

/** The data store and file roots, global so plugin templates can inject them. */
@Global()
@Module({
  controllers: [DataTablesController],
  providers: [DataStoreService, FileRootsService],
  exports: [DataStoreService, FileRootsService],
})
export class DataStoreModule {}
