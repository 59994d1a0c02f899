import { HistoryCounts } from './history-counts';

describe('HistoryCounts', () => {
  it('asks for a prune while an instance is unknown, and not once its count is within the limit', () => {
    const counts = new HistoryCounts();
    expect(counts.mayExceed('a', 3)).toBe(true);
    const { count, mark } = counts.snapshot('a');
    expect(count).toBeNull();
    counts.settle('a', 2, mark);
    expect(counts.mayExceed('a', 3)).toBe(false);
    counts.added('a');
    expect(counts.mayExceed('a', 3)).toBe(false);
    counts.added('a');
    expect(counts.mayExceed('a', 3)).toBe(true);
    expect(counts.snapshot('a').count).toBe(4);
  });

  it('ignores inserts of unknown instances (the next prune counts them)', () => {
    const counts = new HistoryCounts();
    counts.added('b');
    expect(counts.snapshot('b').count).toBeNull();
  });

  it('forgets a count that an insert made while it was being taken may have missed', () => {
    const counts = new HistoryCounts();
    const { mark } = counts.snapshot('c');
    counts.added('c');
    counts.settle('c', 1, mark);
    expect(counts.snapshot('c').count).toBeNull();
    expect(counts.mayExceed('c', 10)).toBe(true);
  });

  it('forgets on request', () => {
    const counts = new HistoryCounts();
    counts.settle('d', 1, counts.snapshot('d').mark);
    counts.forget('d');
    expect(counts.mayExceed('d', 10)).toBe(true);
  });
});
