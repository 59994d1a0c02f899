import { ValidationFailedError } from './domain-errors';
import { etagForVersion, ifMatchSatisfied } from './etag';
import { decodeCursor, decodeOffsetCursor, encodeCursor, encodeOffsetCursor, toPage } from './pagination';

describe('cursors', () => {
  it('round-trips and rejects anything else', () => {
    const cursor = { createdAt: 1732406400.123, id: 'abc' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const bad of ['', 'abc', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["x","y"]').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(ValidationFailedError);
    }
  });

  it('builds a page from limit + 1 rows', () => {
    const rows = [1, 2, 3].map((n) => ({ created_at: n, id: String(n) }));
    const full = toPage(rows, 2, (r) => ({ createdAt: r.created_at, id: r.id }), (r) => r.id);
    expect(full.items).toEqual(['1', '2']);
    expect(decodeCursor(full.next_cursor!)).toEqual({ createdAt: 2, id: '2' });
    expect(toPage(rows, 3, (r) => ({ createdAt: r.created_at, id: r.id }), (r) => r.id).next_cursor).toBeNull();
  });
});

describe('offset cursors', () => {
  it('round-trips offsets', () => {
    for (const offset of [0, 1, 50, 29_999, Number.MAX_SAFE_INTEGER]) expect(decodeOffsetCursor(encodeOffsetCursor(offset))).toBe(offset);
  });

  it('keeps the wire format: base64url of the JSON array [offset], so cursors already handed out still work', () => {
    // Written out by hand, as data-store.service.ts built it before the codec: Buffer.from('[100]').toString('base64url').
    expect(encodeOffsetCursor(100)).toBe('WzEwMF0');
    expect(decodeOffsetCursor('WzEwMF0')).toBe(100);
    expect(decodeOffsetCursor(Buffer.from(JSON.stringify([29_999])).toString('base64url'))).toBe(29_999);
  });

  it('refuses anything it did not issue, with the error decodeCursor gives', () => {
    const bad = ['', 'abc', '!!!', ...['[-1]', '[1.5]', '["5"]', '[1,2]', '[]', '5', '{"offset":5}', '[9007199254740992]', 'null'].map((json) => Buffer.from(json).toString('base64url'))];
    for (const cursor of bad) {
      let thrown: unknown;
      try {
        decodeOffsetCursor(cursor);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ValidationFailedError);
      expect((thrown as ValidationFailedError).options.errors).toEqual([{ path: '/cursor', message: 'invalid cursor' }]);
    }
    // A keyset cursor is not an offset cursor.
    expect(() => decodeOffsetCursor(encodeCursor({ createdAt: 1, id: 'a' }))).toThrow(ValidationFailedError);
  });
});

describe('etags', () => {
  it('compares If-Match strongly', () => {
    const etag = etagForVersion(3);
    expect(etag).toBe('"3"');
    expect(ifMatchSatisfied('"3"', etag)).toBe(true);
    expect(ifMatchSatisfied('"2", "3"', etag)).toBe(true);
    expect(ifMatchSatisfied('*', etag)).toBe(true);
    expect(ifMatchSatisfied('W/"3"', etag)).toBe(false);
    expect(ifMatchSatisfied('"4"', etag)).toBe(false);
  });
});
