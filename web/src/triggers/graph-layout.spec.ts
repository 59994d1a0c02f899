import { DEFAULT_BOX, fitLabel, layoutGraph, type GraphEdge, type GraphNode } from './graph-layout';

const node = (id: string, name = id.toUpperCase()): GraphNode => ({ id, name, template_id: 'table_loader', status: 'active' });
const edge = (from: string, to: string, satisfied_by: string | null = null): GraphEdge => ({ from, to, satisfied_by });
const box = { width: 100, height: 40, gapX: 50, gapY: 10, margin: 5 };

describe('the dependency graph layout', () => {
  it('puts sources on the left and each dependent one column right of its furthest upstream', () => {
    // a -> b -> c, and a -> c directly: c goes after b, not beside it.
    const layout = layoutGraph([node('c'), node('b'), node('a')], [edge('a', 'b'), edge('b', 'c'), edge('a', 'c')], box);
    const at = Object.fromEntries(layout.nodes.map((placed) => [placed.id, placed]));
    expect([at.a.layer, at.b.layer, at.c.layer]).toEqual([0, 1, 2]);
    expect([at.a.x, at.b.x, at.c.x]).toEqual([5, 155, 305]);
    expect(layout.width).toBe(5 * 2 + 3 * 100 + 2 * 50);
    expect(layout.height).toBe(5 * 2 + 40);
    // The nodes come back in the order given, each with its data.
    expect(layout.nodes.map((placed) => placed.id)).toEqual(['c', 'b', 'a']);
    expect(at.a).toMatchObject({ name: 'A', status: 'active', template_id: 'table_loader' });
  });

  it('draws every edge from the upstream’s right side to the dependent’s left side, keeping its join state', () => {
    const layout = layoutGraph([node('a'), node('b')], [edge('a', 'b', 'run-1')], box);
    expect(layout.edges).toEqual([{ from: 'a', to: 'b', satisfied_by: 'run-1', path: 'M 105 25 C 130 25, 130 25, 155 25' }]);
  });

  it('orders a column by its upstreams’ rows, so a diamond does not cross, and centres shorter columns', () => {
    // Two chains side by side (x -> y, a -> b) plus a join d after both: rows follow the sources' order (A, X).
    const layout = layoutGraph([node('y'), node('b'), node('x'), node('a'), node('d')], [edge('x', 'y'), edge('a', 'b'), edge('y', 'd'), edge('b', 'd')], box);
    const at = Object.fromEntries(layout.nodes.map((placed) => [placed.id, placed]));
    expect([at.a.y, at.x.y]).toEqual([5, 55]);
    expect([at.b.y, at.y.y]).toEqual([5, 55]);
    expect(at.d).toMatchObject({ layer: 2, y: 30 });
  });

  it('is the same picture for the same graph, whatever the order of the lists', () => {
    const nodes = [node('a'), node('b'), node('c'), node('d')];
    const edges = [edge('a', 'c'), edge('b', 'c'), edge('c', 'd')];
    const positions = (layout: ReturnType<typeof layoutGraph>) => Object.fromEntries(layout.nodes.map((placed) => [placed.id, [placed.x, placed.y]]));
    expect(positions(layoutGraph([...nodes].reverse(), [...edges].reverse()))).toEqual(positions(layoutGraph(nodes, edges)));
  });

  it('survives a cycle, a self-edge and an edge to an unknown node, and an empty graph', () => {
    const layout = layoutGraph([node('a'), node('b'), node('c')], [edge('a', 'b'), edge('b', 'c'), edge('c', 'b'), edge('a', 'a'), edge('a', 'zzz')], box);
    expect(layout.nodes.map((placed) => [placed.id, placed.layer])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 1],
    ]);
    expect(layout.edges.map((placed) => `${placed.from}>${placed.to}`)).toEqual(['a>b', 'b>c', 'c>b']);
    expect(layoutGraph([], [])).toEqual({ nodes: [], edges: [], width: 0, height: 0 });
    expect(layoutGraph([node('solo')], []).width).toBe(DEFAULT_BOX.margin * 2 + DEFAULT_BOX.width);
  });

  it('cuts long names to fit a node', () => {
    expect(fitLabel('Lab equipment', 20)).toBe('Lab equipment');
    expect(fitLabel('Nightly lab summary (CSV export)', 20)).toBe('Nightly lab summary…');
    expect(fitLabel('Ünïcödé ñame', 5)).toBe('Ünïc…');
  });
});
