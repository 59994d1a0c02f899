/**
 * A small streaming XML tokenizer for the parts of an .xlsx workbook, fed text a chunk at a time.
 *
 * Why not a general SAX parser (saxes, which exceljs uses): a worksheet is millions of tiny tags, and building an
 * attribute object for each one was most of the import's time. Here a handler is told an element's local name
 * and reads only the attributes it wants, straight from the text (see attributes()); text is decoded only while
 * the handler asks for it (captureText). Tags must nest properly; entities are the five predefined ones and
 * character references; DTDs with an internal subset are refused (no entity expansion). Namespace prefixes
 * are dropped from element names: `x:row` is `row`.
 */
export interface XmlHandler {
  /** An element opens; attributes() reads its attributes during this call. A self-closing element gets close() next. */
  open(name: string): void;
  close(name: string): void;
  /** Decoded character data (text and CDATA), only while captureText is true. */
  text(value: string): void;
}

export class XmlError extends Error {}

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const COLON = 0x3a;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

const isSpace = (code: number) => code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntity(match: string, body: string): string {
  if (body.charCodeAt(0) === 0x23 /* # */) {
    const code = body.charCodeAt(1) === 0x78 /* x */ ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    if (!(code >= 0 && code <= 0x10ffff) || !/^#(x[0-9a-fA-F]+|[0-9]+)$/.test(body)) throw new XmlError(`malformed character reference ${match}`);
    return String.fromCodePoint(code);
  }
  const named = NAMED_ENTITIES[body];
  if (named === undefined) throw new XmlError(`unknown entity ${match}`);
  return named;
}

/** Character data as XML defines it: line breaks normalised to \n, then entities and character references decoded. */
export function decodeXmlText(raw: string): string {
  let text = raw;
  if (text.indexOf('\r') >= 0) text = text.replace(/\r\n?/g, '\n');
  if (text.indexOf('&') < 0) return text;
  return text.replace(/&([^&;]*)(;?)/g, (match: string, body: string, semicolon: string) => {
    if (semicolon === '') throw new XmlError('a bare & in text');
    return decodeEntity(match, body);
  });
}

/** Attribute values: entities decoded and white space characters turned into spaces (XML attribute normalisation). */
function decodeAttribute(raw: string): string {
  const text = /[\t\n\r]/.test(raw) ? raw.replace(/\r\n|[\t\n\r]/g, ' ') : raw;
  return text.indexOf('&') < 0 ? text : decodeXmlText(text);
}

export class XmlScanner {
  /** While true, character data is decoded and handed to handler.text(). */
  captureText = false;
  /** The text being scanned and, during open(), where the current tag's attributes lie in it. */
  buffer = '';
  private attributesFrom = 0;
  private attributesTo = 0;
  private rest = '';
  /** Open elements: qualified names (to check each end tag) and local names (for the handler). */
  private readonly stack: string[] = [];
  private readonly localStack: string[] = [];
  private sawRoot = false;

  constructor(private readonly handler: XmlHandler) {}

  /**
   * Calls back for each attribute of the element being opened: its qualified name and where its raw value lies
   * in `buffer` (hot paths parse numbers in place; value() decodes one). Returns early when visit returns true.
   */
  attributes(visit: (name: string, from: number, to: number) => boolean | void): void {
    const text = this.buffer;
    let at = this.attributesFrom;
    const end = this.attributesTo;
    for (;;) {
      while (at < end && isSpace(text.charCodeAt(at))) at++;
      if (at >= end) return;
      const nameFrom = at;
      while (at < end) {
        const code = text.charCodeAt(at);
        if (code === EQUALS || isSpace(code)) break;
        at++;
      }
      const nameTo = at;
      while (at < end && isSpace(text.charCodeAt(at))) at++;
      if (text.charCodeAt(at) !== EQUALS) throw new XmlError(`attribute ${text.slice(nameFrom, nameTo)} has no value`);
      at++;
      while (at < end && isSpace(text.charCodeAt(at))) at++;
      const quote = text.charCodeAt(at);
      if (quote !== QUOTE && quote !== APOSTROPHE) throw new XmlError(`attribute ${text.slice(nameFrom, nameTo)} is not quoted`);
      const close = text.indexOf(quote === QUOTE ? '"' : "'", at + 1);
      if (close < 0 || close > end) throw new XmlError(`attribute ${text.slice(nameFrom, nameTo)} is not closed`);
      if (nameTo === nameFrom) throw new XmlError('an attribute without a name');
      if (visit(text.slice(nameFrom, nameTo), at + 1, close) === true) return;
      at = close + 1;
    }
  }

  /** A decoded attribute value from the positions attributes() gave. */
  value(from: number, to: number): string {
    return decodeAttribute(this.buffer.slice(from, to));
  }

  /** All attributes of the element being opened, decoded, by qualified name (for the small parts of a workbook). */
  attributeMap(): Record<string, string> {
    const map: Record<string, string> = {};
    this.attributes((name, from, to) => {
      map[name] = this.value(from, to);
    });
    return map;
  }

  feed(chunk: string): void {
    const text = this.rest.length > 0 ? this.rest + chunk : chunk;
    this.rest = '';
    this.buffer = text;
    const length = text.length;
    const handler = this.handler;
    let at = 0;
    while (at < length) {
      const lt = text.indexOf('<', at);
      if (lt < 0) {
        // Character data up to the end: keep it whole for the next chunk (an entity may be cut in two).
        if (this.captureText) this.rest = text.slice(at);
        else this.checkOutsideRoot(text, at, length);
        return;
      }
      if (lt > at) {
        if (this.captureText) handler.text(decodeXmlText(text.slice(at, lt)));
        else this.checkOutsideRoot(text, at, lt);
      }
      if (lt + 1 >= length) {
        this.rest = text.slice(lt);
        return;
      }
      const next = text.charCodeAt(lt + 1);
      if (next === SLASH) {
        const gt = text.indexOf('>', lt + 2);
        if (gt < 0) {
          this.rest = text.slice(lt);
          return;
        }
        let nameTo = gt;
        while (nameTo > lt + 2 && isSpace(text.charCodeAt(nameTo - 1))) nameTo--;
        const open = this.stack.pop();
        if (open === undefined || !text.startsWith(open, lt + 2) || open.length !== nameTo - lt - 2) {
          throw new XmlError(`unexpected </${text.slice(lt + 2, nameTo)}>${open === undefined ? '' : ` (<${open}> is open)`}`);
        }
        handler.close(this.localStack.pop()!);
        at = gt + 1;
        continue;
      }
      if (next === BANG || next === QUESTION) {
        const after = this.skipMarkup(text, lt, next);
        if (after < 0) {
          this.rest = text.slice(lt);
          return;
        }
        at = after;
        continue;
      }
      // An opening tag: its name, then its end, stepping over quoted attribute values (they may hold '>').
      let nameTo = lt + 1;
      while (nameTo < length) {
        const code = text.charCodeAt(nameTo);
        if (code === GT || code === SLASH || isSpace(code)) break;
        nameTo++;
      }
      let gt = nameTo;
      while (gt < length) {
        const code = text.charCodeAt(gt);
        if (code === GT) break;
        if (code === QUOTE || code === APOSTROPHE) {
          const close = text.indexOf(code === QUOTE ? '"' : "'", gt + 1);
          if (close < 0) {
            gt = length;
            break;
          }
          gt = close;
        }
        gt++;
      }
      if (gt >= length) {
        this.rest = text.slice(lt);
        return;
      }
      if (nameTo === lt + 1) throw new XmlError(`malformed tag ${text.slice(lt, Math.min(gt + 1, lt + 40))}`);
      const selfClosing = text.charCodeAt(gt - 1) === SLASH && gt - 1 >= nameTo;
      const name = text.slice(lt + 1, nameTo);
      if (this.stack.length === 0) {
        if (this.sawRoot) throw new XmlError(`more than one root element (<${name}>)`);
        this.sawRoot = true;
      }
      this.attributesFrom = nameTo;
      this.attributesTo = selfClosing ? gt - 1 : gt;
      const local = localName(name);
      handler.open(local);
      if (selfClosing) handler.close(local);
      else {
        this.stack.push(name);
        this.localStack.push(local);
      }
      at = gt + 1;
    }
  }

  /** The input is complete: every element must be closed. */
  end(): void {
    if (this.rest.trim() !== '' || this.stack.length > 0) {
      const open = this.stack.length > 0 ? ` (<${this.stack[this.stack.length - 1]}> is not closed)` : '';
      throw new XmlError(`unexpected end of the XML${open}`);
    }
    if (!this.sawRoot) throw new XmlError('no XML element found');
  }

  /** Comments, CDATA sections, processing instructions and a DOCTYPE; returns where scanning goes on, or -1 when incomplete. */
  private skipMarkup(text: string, lt: number, next: number): number {
    if (next === QUESTION) {
      const end = text.indexOf('?>', lt + 2);
      return end < 0 ? -1 : end + 2;
    }
    if (text.startsWith('!--', lt + 1)) {
      const end = text.indexOf('-->', lt + 4);
      return end < 0 ? -1 : end + 3;
    }
    if (text.startsWith('![CDATA[', lt + 1)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) return -1;
      if (this.stack.length === 0) throw new XmlError('CDATA outside the root element');
      if (this.captureText) {
        const data = text.slice(lt + 9, end);
        this.handler.text(data.indexOf('\r') >= 0 ? data.replace(/\r\n?/g, '\n') : data);
      }
      return end + 3;
    }
    if (text.length - lt < 9) return -1;
    if (text.startsWith('!DOCTYPE', lt + 1)) {
      const end = text.indexOf('>', lt + 9);
      if (end < 0) return -1;
      if (text.slice(lt, end).includes('[')) throw new XmlError('DTDs with declarations are not supported');
      return end + 1;
    }
    throw new XmlError(`malformed markup ${text.slice(lt, lt + 20)}`);
  }

  /** Only white space may sit outside the root element. */
  private checkOutsideRoot(text: string, from: number, to: number): void {
    if (this.stack.length > 0) return;
    for (let at = from; at < to; at++) {
      if (!isSpace(text.charCodeAt(at))) throw new XmlError('text outside the root element');
    }
  }
}

function localName(name: string): string {
  for (let at = name.length - 1; at >= 0; at--) if (name.charCodeAt(at) === COLON) return name.slice(at + 1);
  return name;
}
