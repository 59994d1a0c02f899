import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../auth/endpoint.decorator';
import { DataStoreService } from './data-store.service';
import { DataRowPageDto, DataTableListDto, ReadRowsQueryDto } from './dto/data-tables.dto';
import { DATA_ROW_PAGE_EXAMPLES, DATA_TABLE_LIST_EXAMPLES } from './dto/data-tables.examples';

@ApiTags('data')
@Controller('api/data/tables')
export class DataTablesController {
  constructor(private readonly dataStore: DataStoreService) {}

  @Get()
  @Endpoint({
    operationId: 'listDataTables',
    summary: 'List imported tables',
    description: 'Every table in the data store (DATA_STORE_URL) with its columns, inferred types and row count: what the imports produced.',
    scope: 'read',
    ok: { status: 200, type: DataTableListDto, description: 'The tables, sorted by name.', examples: DATA_TABLE_LIST_EXAMPLES },
    problems: [],
  })
  async list(): Promise<DataTableListDto> {
    return { items: await this.dataStore.listTables() };
  }

  @Get(':name/rows')
  @Endpoint({
    operationId: 'listDataTableRows',
    summary: 'Preview a table',
    description: 'Rows of one table in storage order, cursor-paginated, to check what an import wrote.',
    scope: 'read',
    params: { name: { description: 'Table name.', example: 'ilab_equipment_2024' } },
    ok: { status: 200, type: DataRowPageDto, description: 'A page of rows.', examples: DATA_ROW_PAGE_EXAMPLES },
    problems: ['validation-failed', 'table-not-found'],
  })
  async rows(@Param('name') name: string, @Query() query: ReadRowsQueryDto): Promise<DataRowPageDto> {
    return this.dataStore.readPage(name, query.limit ?? 50, query.cursor);
  }
}
