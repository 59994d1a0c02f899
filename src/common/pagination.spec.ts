import { ValidationFailedError } from './domain-errors';
import { etagForVersion, ifMatchSatisfied } from './etag';
import { decodeCursor, encodeCursor, toPage } from './pagination';

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
