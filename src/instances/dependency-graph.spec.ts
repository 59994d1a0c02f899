import { cycleThrough } from './dependency-graph';

const edges = (...pairs: [string, string][]) => pairs.map(([dependent_id, upstream_id]) => ({ dependent_id, upstream_id }));

describe('cycleThrough', () => {
  it('finds no cycle in a chain, a join or a diamond', () => {
    expect(cycleThrough('c', ['b'], edges(['b', 'a']))).toBeNull();
    expect(cycleThrough('c', ['a', 'b'], [])).toBeNull();
    expect(cycleThrough('d', ['b', 'c'], edges(['b', 'a'], ['c', 'a']))).toBeNull();
  });

  it('names a self-reference', () => {
    expect(cycleThrough('a', ['a'], [])).toEqual(['a', 'a']);
  });

  it('names the loop a new edge closes, each depending on the next', () => {
    // b depends on a, c on b; a now to depend on c: a -> c -> b -> a.
    expect(cycleThrough('a', ['c'], edges(['b', 'a'], ['c', 'b']))).toEqual(['a', 'c', 'b', 'a']);
  });

  it("replaces the dependent's own stored edges with the new list", () => {
    // a depended on b before; b depending on a is the change: no cycle once a's old edge goes.
    expect(cycleThrough('a', [], edges(['a', 'b'], ['b', 'a']))).toBeNull();
  });

  it('follows only the path that loops, past branches that do not', () => {
    const graph = edges(['x', 'y'], ['x', 'z'], ['z', 'w'], ['w', 'a']);
    expect(cycleThrough('a', ['x'], graph)).toEqual(['a', 'x', 'z', 'w', 'a']);
  });
});
