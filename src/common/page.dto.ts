import { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Page } from './pagination';

/** The response DTO for a page of `Item`s: `{ items, next_cursor }`, documented once for every list. */
export function PageDtoOf<Item>(item: Type<Item>) {
  class PageDto implements Page<Item> {
    @ApiProperty({ type: [item] })
    items: Item[];

    @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` to get the next page; null on the last page.', example: null })
    next_cursor: string | null;
  }
  return PageDto;
}
