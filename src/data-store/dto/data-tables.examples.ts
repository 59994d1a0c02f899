import { ApiExamples } from '../../common/api-examples';
import { DataRowPageDto, DataTableListDto } from './data-tables.dto';

export const DATA_TABLE_LIST_EXAMPLES: ApiExamples<DataTableListDto> = {
  tables: {
    summary: 'Two imported tables',
    value: {
      items: [
        { name: 'ilab_equipment_2024', columns: [{ name: 'Serial No.', type: 'TEXT' }, { name: 'Name', type: 'TEXT' }, { name: 'Room', type: 'INTEGER' }], row_count: 12 },
        { name: 'pi_directory', columns: [{ name: 'id', type: 'INTEGER' }, { name: 'name', type: 'TEXT' }, { name: 'email', type: 'TEXT' }, { name: 'h_index', type: 'REAL' }], row_count: 341 },
      ],
    },
  },
};

export const DATA_ROW_PAGE_EXAMPLES: ApiExamples<DataRowPageDto> = {
  rows: {
    summary: 'The first rows of a table (limit=2); more follow',
    value: {
      items: [
        { 'Serial No.': 'EQ-001', Name: 'Centrifuge', Room: 204 },
        { 'Serial No.': 'EQ-002', Name: 'Confocal microscope', Room: null },
      ],
      next_cursor: 'WzJd',
    },
  },
};
