import { decodeXmlText, XmlError, XmlScanner } from './xml-scanner';

/** Scans `xml` fed in the given pieces and lists what the handler saw. */
function events(pieces: string[], capture = (name: string) => name === 't'): string[] {
  const seen: string[] = [];
  const scanner: XmlScanner = new XmlScanner({
    open: (name) => {
      seen.push(`<${name}${Object.entries(scanner.attributeMap()).map(([key, value]) => ` ${key}=${JSON.stringify(value)}`).join('')}>`);
      if (capture(name)) scanner.captureText = true;
    },
    close: (name) => {
      seen.push(`</${name}>`);
      scanner.captureText = false;
    },
    text: (value) => {
      // Split text comes in pieces: join them, so the list does not depend on where chunks end.
      if (seen.length > 0 && seen[seen.length - 1].startsWith('text:')) seen[seen.length - 1] += value;
      else seen.push(`text:${value}`);
    },
  });
  for (const piece of pieces) scanner.feed(piece);
  scanner.end();
  return seen;
}

const DOCUMENT =
  '\ufeff<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<!-- a comment with <tags> -->' +
  "<x:sst xmlns:x='urn:x' count=\"2\"><x:si><x:t xml:space=\"preserve\"> a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x1F600;\r\nz</x:t></x:si>" +
  '<x:si odd = "1>2" other=\'it"s\'><x:r><x:t><![CDATA[<raw> & stuff]]></x:t></x:r><x:t/></x:si><empty/></x:sst>\n';

describe('XmlScanner', () => {
  const expected = [
    '<sst xmlns:x="urn:x" count="2">',
    '<si>',
    '<t xml:space="preserve">',
    'text: a <b> & "c" \'d\' A😀\nz',
    '</t>',
    '</si>',
    '<si odd="1>2" other="it\\"s">',
    '<r>',
    '<t>',
    'text:<raw> & stuff',
    '</t>',
    '</r>',
    '<t>',
    '</t>',
    '</si>',
    '<empty>',
    '</empty>',
    '</sst>',
  ];

  it('reads elements without prefixes, attributes, entities, character references, CDATA and comments', () => {
    expect(events([DOCUMENT.slice(1)])).toEqual(expected);
  });

  it('gives the same events wherever the chunks are cut', () => {
    const text = DOCUMENT.slice(1);
    for (let cut = 1; cut < text.length; cut++) {
      expect(events([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
    }
    expect(events(text.split(''))).toEqual(expected);
  });

  it('normalises white space in attribute values', () => {
    expect(events(['<a b="1\t2\r\n3"/>'])).toEqual(['<a b="1 2 3">', '</a>']);
  });

  it.each([
    ['<a><b></a>', 'unexpected </a> (<b> is open)'],
    ['<a></b>', 'unexpected </b> (<a> is open)'],
    ['<a><b>', 'unexpected end of the XML (<b> is not closed)'],
    ['<a', 'unexpected end of the XML'],
    ['', 'no XML element found'],
    ['<a/><b/>', 'more than one root element (<b>)'],
    ['junk<a/>', 'text outside the root element'],
    ['<a><t>&nbsp;</t></a>', 'unknown entity &nbsp;'],
    ['<a><t>fish & chips</t></a>', 'a bare & in text'],
    ['<a><t>&#xZZ;</t></a>', 'malformed character reference &#xZZ;'],
    ['<a b=1/>', 'attribute b is not quoted'],
    ['<!DOCTYPE a [<!ENTITY x "y">]><a/>', 'DTDs with declarations are not supported'],
  ])('refuses %j: %s', (xml, message) => {
    expect(() => events([xml])).toThrow(new XmlError(message));
  });

  it('skips a DOCTYPE without declarations', () => {
    expect(events(['<!DOCTYPE a><a/>'])).toEqual(['<a>', '</a>']);
  });

  it('decodes text as XML defines it', () => {
    expect(decodeXmlText('a\r\nb\rc&#13;&amp;')).toBe('a\nb\nc\r&');
  });
});
