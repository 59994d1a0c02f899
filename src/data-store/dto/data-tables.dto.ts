import { ApiProperty } from '@nestjs/swagger';
import { QueryIntField, StringField } from '../../common/field.decorators';
import { MAX_PAGE_LIMIT } from '../../common/pagination';

export class TableColumnDto {
  @ApiProperty({ example: 'Serial No.' })
  name: string;

  @ApiProperty({ enum: ['INTEGER', 'REAL', 'TEXT'], enumName: 'ColumnType', example: 'TEXT' })
  type: 'INTEGER' | 'REAL' | 'TEXT';
}

export class DataTableDto {
  @ApiProperty({ example: 'ilab_equipment_2024' })
  name: string;

  @ApiProperty({ type: [TableColumnDto] })
  columns: TableColumnDto[];

  @ApiProperty({ type: 'integer', minimum: 0, example: 12 })
  row_count: number;
}

export class DataTableListDto {
  @ApiProperty({ type: [DataTableDto] })
  items: DataTableDto[];
}

export class DataRowPageDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Rows as objects keyed by column name, in storage order.',
    example: [{ 'Serial No.': 'EQ-001', Name: 'Centrifuge', Room: 204 }],
  })
  items: Record<string, unknown>[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` to get the next page; null on the last page.', example: null })
  next_cursor: string | null;
}

export class ReadRowsQueryDto {
  @QueryIntField({ description: 'Rows per page.', example: 50, min: 1, max: MAX_PAGE_LIMIT, default: 50 })
  limit?: number;

  @StringField({ description: 'The `next_cursor` of the previous page.', optional: true, maxLength: 200 })
  cursor?: string;
}
