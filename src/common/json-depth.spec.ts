import { exceedsJsonDepth } from './json-depth';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('exceedsJsonDepth', () => {
  it('counts arrays and objects alike', () => {
    expect(exceedsJsonDepth('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(exceedsJsonDepth('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(exceedsJsonDepth(nested(64), 64)).toBe(false);
    expect(exceedsJsonDepth(nested(65), 64)).toBe(true);
    expect(exceedsJsonDepth('1', 0)).toBe(false);
    expect(exceedsJsonDepth('{}', 0)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(`{"a":"${'['.repeat(1000)}"}`, 1)).toBe(false);
    expect(exceedsJsonDepth(`{"a":"\\"[[[[","b":"\\\\"}`, 1)).toBe(false);
    expect(exceedsJsonDepth(`["\\\\", [[]]]`, 2)).toBe(true);
    expect(exceedsJsonDepth(Buffer.from('{"é[[[":"ü{{{"}', 'utf8'), 1)).toBe(false);
  });

  it('scans a deep document in linear time without recursion', () => {
    const started = Date.now();
    expect(exceedsJsonDepth(nested(5_000_000), 64)).toBe(true);
    expect(exceedsJsonDepth('[' + '1,'.repeat(1_000_000) + '1]', 64)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
