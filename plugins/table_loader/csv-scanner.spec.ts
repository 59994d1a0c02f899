import { parse } from 'csv-parse/sync';
import { CsvScanner } from './csv-scanner';

/** Scans `text` split into pieces of `piece` characters; null when the scanner gives up anywhere. */
function scan(text: string, piece: number, options: { delimiter?: string; quoting?: boolean; skipEmptyLines?: boolean } = {}) {
  const scanner = new CsvScanner((options.delimiter ?? ',').charCodeAt(0), options.quoting ?? true, options.skipEmptyLines ?? true);
  const records: string[][] = [];
  const lines: number[] = [];
  for (let at = 0; at < text.length; at += piece) if (!scanner.push(text.slice(at, at + piece), false, records, lines)) return null;
  if (!scanner.push('', true, records, lines)) return null;
  return { records, lines };
}

function reference(text: string, options: { delimiter?: string; quoting?: boolean; skipEmptyLines?: boolean } = {}): string[][] | Error {
  try {
    return parse(text, {
      delimiter: options.delimiter ?? ',',
      quote: options.quoting === false ? false : '"',
      skip_empty_lines: options.skipEmptyLines ?? true,
      relax_column_count: true,
    });
  } catch (error) {
    return error as Error;
  }
}

describe('CsvScanner', () => {
  it('reads quoted fields, doubled quotes, empty fields and line numbers', () => {
    const text = 'a,b,c\r\n1,"x, ""y""",\r\n\r\n"multi\r\nline",2,3\r\n4,5';
    expect(scan(text, 1000)).toEqual({
      records: [['a', 'b', 'c'], ['1', 'x, "y"', ''], ['multi\r\nline', '2', '3'], ['4', '5']],
      lines: [1, 2, 4, 6],
    });
    // Split anywhere, the result is the same.
    for (const piece of [1, 2, 3, 7]) expect(scan(text, piece)).toEqual(scan(text, 1000));
  });

  it('keeps empty lines as one empty field when asked to', () => {
    expect(scan('a\n\nb\n', 100, { skipEmptyLines: false })).toEqual({ records: [['a'], [''], ['b']], lines: [1, 2, 3] });
  });

  it('gives up on what csv-parse must handle: bad quotes, an unclosed quote, mixed line breaks', () => {
    for (const text of ['a,b"c\n', '"a"b,c\n', 'a,"b\n', 'a\nb\r\nc\n', 'a\r\nb\nc']) expect(scan(text, 1000)).toBeNull();
  });

  it('gives exactly the records csv-parse gives, wherever it does not give up (random inputs)', () => {
    let seed = 12345;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const alphabet = ['a', 'b', ',', ';', '"', '""', '\n', '\r\n', '\r', ' ', 'é', '😀', '1'];
    let compared = 0;
    for (let round = 0; round < 20000; round++) {
      let text = '';
      for (let length = random(24); length > 0; length--) text += alphabet[random(alphabet.length)];
      const options = { delimiter: random(4) === 0 ? ';' : ',', quoting: random(5) !== 0, skipEmptyLines: random(2) === 0 };
      const expected = reference(text, options);
      const got = scan(text, 1 + random(8), options);
      if (got === null) continue; // csv-parse takes over: nothing to compare
      expect([text, options, got.records]).toEqual([text, options, expected]);
      compared++;
    }
    expect(compared).toBeGreaterThan(5000);
  });
});
