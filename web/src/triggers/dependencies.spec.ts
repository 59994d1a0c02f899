import { ApiError } from '../api/problem';
import { cycleInWords, edgeState, errorsByPosition, neighbours } from './dependencies';

const cycleProblem = (cycle: unknown) => new ApiError(409, { type: 'dependency-cycle', title: 'Dependencies would form a cycle', detail: 'depends_on would make a cycle', cycle });

describe('dependencies in words', () => {
  it('names the loop of a dependency-cycle problem', () => {
    const a = { id: '1', name: 'Lab equipment' };
    const b = { id: '2', name: 'Lab summary' };
    const c = { id: '3', name: 'Lab export' };
    expect(cycleInWords(cycleProblem([a, b, c, a]))).toBe('“Lab equipment” would depend on “Lab summary”, which depends on “Lab export”, which depends on “Lab equipment”: a loop, so none of them could ever start the others.');
    expect(cycleInWords(cycleProblem([a, b, a]))).toBe('“Lab equipment” would depend on “Lab summary”, which depends on “Lab equipment”: a loop, so none of them could ever start the others.');
    expect(cycleInWords(cycleProblem([a, a]))).toBe('“Lab equipment” would depend on itself.');
    expect(cycleInWords(cycleProblem(undefined))).toBeNull();
    expect(cycleInWords(cycleProblem([a]))).toBeNull();
  });

  it('puts /depends_on/N errors on the Nth upstream, and keeps the others', () => {
    const { byPosition, other } = errorsByPosition([
      { path: '/depends_on/1', message: 'no instance has this id' },
      { path: '/depends_on/1', message: 'no instance has this id' },
      { path: '/depends_on', message: 'must NOT have more than 20 items' },
    ]);
    expect([...byPosition]).toEqual([[1, ['no instance has this id']]]);
    expect(other).toEqual([{ path: '/depends_on', message: 'must NOT have more than 20 items' }]);
  });

  it('finds an instance’s upstreams in depends_on order and its dependents by name, with the join state', () => {
    const node = (id: string, name: string) => ({ id, name, template_id: 't', status: 'active' as const });
    const graph = {
      nodes: [node('a', 'A'), node('b', 'B'), node('m', 'Middle'), node('y', 'Y'), node('x', 'X')],
      edges: [
        { from: 'b', to: 'm', satisfied_by: null },
        { from: 'a', to: 'm', satisfied_by: 'run-1' },
        { from: 'm', to: 'y', satisfied_by: null },
        { from: 'm', to: 'x', satisfied_by: null },
        { from: 'gone', to: 'm', satisfied_by: null },
      ],
    };
    const { upstreams, dependents } = neighbours(graph, 'm');
    expect(upstreams.map((entry) => entry.node.name)).toEqual(['B', 'A']);
    expect(dependents.map((entry) => entry.node.name)).toEqual(['X', 'Y']);
    expect(edgeState(upstreams[1].edge, 'A', 'Middle')).toBe('“A” has succeeded since “Middle” last ran after it');
    expect(edgeState(upstreams[0].edge, 'B', 'Middle')).toBe('“Middle” waits for “B” to succeed');
  });
});
