import { isDateFormat, SheetContext, SheetParser, SheetValue } from './sheet-parser';

const context = (overrides: Partial<SheetContext> = {}): SheetContext => ({
  sharedStrings: ['Name', 'Ada', null],
  // s=1: a date format; s=2: a plain number format.
  dateStyles: [false, true, false],
  date1904: false,
  keepEmptyRows: false,
  ...overrides,
});

const sheet = (rows: string) => `<worksheet xmlns="urn:main"><sheetData>${rows}</sheetData></worksheet>`;

function parse(xml: string, options: Partial<SheetContext> = {}, pieces = 1): { lines: number[]; rows: SheetValue[][] } {
  const parser = new SheetParser(context(options));
  const size = Math.ceil(xml.length / pieces);
  for (let at = 0; at < xml.length; at += size) parser.feed(xml.slice(at, at + size));
  parser.end();
  return parser.take();
}

describe('SheetParser', () => {
  const cells =
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>' +
    '<row r="2" spans="1:9">' +
    '<c r="A2"><v>42</v></c>' +
    '<c r="B2" s="1"><v>45306</v></c>' +
    '<c r="C2" s="1"><v>45306.395833333336</v></c>' +
    '<c r="D2" t="b"><v>1</v></c>' +
    '<c r="E2" t="b"><v>0</v></c>' +
    '<c r="F2" t="e"><v>#N/A</v></c>' +
    '<c r="G2" t="str"><f>A2&amp;"x"</f><v>42x</v></c>' +
    '<c r="H2" s="2"><f>A2*2</f><v>84</v></c>' +
    '<c r="I2" t="inlineStr"><is><r><t xml:space="preserve">Grace </t></r><r><rPr><b/></rPr><t>Hopper</t></r><rPh sb="0" eb="1"><t>gureisu</t></rPh></is></c>' +
    '</row>';

  it('reads shared strings, numbers, dates, booleans, errors, formula results and inline rich text', () => {
    expect(parse(sheet(cells))).toEqual({
      lines: [1, 2],
      rows: [
        ['Name', 'Ada'],
        [42, '2024-01-15', '2024-01-15T09:30:00.000Z', 1, 0, '#N/A', '42x', 84, 'Grace Hopper'],
      ],
    });
  });

  it('gives the same rows however the XML is chunked', () => {
    const whole = parse(sheet(cells));
    for (const pieces of [2, 3, 7, 50, 400]) expect(parse(sheet(cells), {}, pieces)).toEqual(whole);
  });

  it('counts dates from 1904 when the workbook says so', () => {
    expect(parse(sheet('<row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>43844</v></c></row>'), { date1904: true }).rows).toEqual([['1904-01-01', '2024-01-15']]);
  });

  it('reads a formula result with a date format as a date, and t="d" ISO dates as UTC', () => {
    expect(parse(sheet('<row r="1"><c r="A1" s="1"><f>TODAY()</f><v>45306</v></c><c r="B1" t="d"><v>2024-01-15T09:30:00</v></c><c r="C1" t="d"><v>2024-01-15</v></c></row>')).rows).toEqual([
      ['2024-01-15', '2024-01-15T09:30:00.000Z', '2024-01-15'],
    ]);
  });

  it('lets the row style stand for cells without their own, as exceljs did', () => {
    expect(parse(sheet('<row r="1" s="1" customFormat="1"><c r="A1"><v>45306</v></c><c r="B1" s="0"><v>45306</v></c><c r="C1" s="2"><v>45306</v></c></row>')).rows).toEqual([
      ['2024-01-15', '2024-01-15', 45306],
    ]);
  });

  it('places sparse cells by reference, follows on when r is left out, and pads gaps with nulls', () => {
    const xml = sheet('<row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c><c r="H1"/></row><row><c r="C2"><v>3</v></c></row><row r="7"><c r="AA7"><v>27</v></c></row>');
    const { lines, rows } = parse(xml);
    expect(lines).toEqual([1, 2, 7]);
    expect(rows[0]).toEqual([1, 2, null, null, 5, 6]);
    expect(rows[1]).toEqual([null, null, 3]);
    expect(rows[2]).toHaveLength(27);
    expect(rows[2][26]).toBe(27);
  });

  it('leaves out rows without values unless asked to keep them', () => {
    const xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"/><row r="3"><c r="A3" s="1"/><c r="B3" t="s"><v>2</v></c><c r="C3" t="str"><v></v></c></row><row r="4"><c r="A4"><v>4</v></c></row>');
    expect(parse(xml).lines).toEqual([1, 4]);
    expect(parse(xml, { keepEmptyRows: true })).toEqual({ lines: [1, 2, 3, 4], rows: [[1], [], [], [4]] });
  });

  it('turns what cannot be a value into null: unknown shared strings, text in a number cell, empty values', () => {
    expect(parse(sheet('<row r="1"><c r="A1" t="s"><v>99</v></c><c r="B1"><v>abc</v></c><c r="C1"><v/></c><c r="D1" t="e"><v></v></c><c r="E1"><v>7</v></c></row>')).rows).toEqual([
      [null, null, null, null, 7],
    ]);
  });

  it('reads elements with a namespace prefix', () => {
    const xml = '<x:worksheet xmlns:x="urn:main"><x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>';
    expect(parse(xml).rows).toEqual([['Ada']]);
  });

  it('ignores rows outside sheetData', () => {
    expect(parse('<worksheet><row r="1"><c r="A1"><v>1</v></c></row><sheetData/></worksheet>').rows).toEqual([]);
  });

  it.each([
    ['<row r="1"><c r="1A"><v>1</v></c></row>', 'invalid cell reference "1A"'],
    ['<row r="1"><c r="a1"><v>1</v></c></row>', 'invalid cell reference "a1"'],
    ['<row r="1"><c r="XFE1"><v>1</v></c></row>', 'cell reference "XFE1" lies beyond column XFD'],
  ])('refuses a corrupt cell reference: %s', (rows, message) => {
    expect(() => parse(sheet(rows))).toThrow(message);
  });

  it('fails on a sheet cut short', () => {
    expect(() => parse('<worksheet><sheetData><row r="1"><c r="A1"><v>1</v>')).toThrow('unexpected end of the XML (<c> is not closed)');
  });
});

describe('isDateFormat', () => {
  it.each([
    ['yyyy-mm-dd', true],
    ['h:mm AM/PM', true],
    ['[h]:mm:ss', true],
    ['0.00', false],
    ['#,##0.00_);[Red](#,##0.00)', false],
    ['"Day "0', false],
    ['[$-409]General', false],
    ['General', false],
    ['@', false],
  ])('%s: %s', (format, expected) => {
    expect(isDateFormat(format)).toBe(expected);
  });
});
