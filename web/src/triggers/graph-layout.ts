import type { components } from '../../../openapi/client';

export type GraphNode = components['schemas']['GraphNodeDto'];
export type GraphEdge = components['schemas']['GraphEdgeDto'];

export interface Box {
  /** Width and height of a node. */
  width: number;
  height: number;
  /** Space between layers (across) and between nodes of a layer (down). */
  gapX: number;
  gapY: number;
  /** Space around the drawing. */
  margin: number;
}

export const DEFAULT_BOX: Box = { width: 200, height: 56, gapX: 72, gapY: 20, margin: 12 };

export interface PlacedNode extends GraphNode {
  layer: number;
  x: number;
  y: number;
}

export interface PlacedEdge extends GraphEdge {
  /** An SVG path from the middle of the upstream's right side to the middle of the dependent's left side. */
  path: string;
}

export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

/**
 * A layered drawing of the dependency graph: sources (no upstream) in the first column on the left, each dependent one
 * column right of its furthest upstream, so every edge points right. Within a column, nodes sit in the order of their
 * upstreams' average position (names break ties), which keeps most edges from crossing. The server refuses cycles; a
 * node on one anyway (an older database) goes to a last column rather than looping forever. Pure: same input, same picture.
 */
export function layoutGraph(nodes: readonly GraphNode[], edges: readonly GraphEdge[], box: Box = DEFAULT_BOX): Layout {
  const known = new Map(nodes.map((node) => [node.id, node]));
  const usable = edges.filter((edge) => known.has(edge.from) && known.has(edge.to) && edge.from !== edge.to);
  const upstreams = new Map<string, string[]>(nodes.map((node) => [node.id, []]));
  const dependents = new Map<string, string[]>(nodes.map((node) => [node.id, []]));
  for (const edge of usable) {
    upstreams.get(edge.to)!.push(edge.from);
    dependents.get(edge.from)!.push(edge.to);
  }

  // Longest path from a source, by Kahn's topological order.
  const layer = new Map<string, number>();
  const waiting = new Map(nodes.map((node) => [node.id, new Set(upstreams.get(node.id)).size]));
  const ready = nodes.filter((node) => waiting.get(node.id) === 0).map((node) => node.id);
  for (const id of ready) layer.set(id, 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    for (const next of new Set(dependents.get(id))) {
      layer.set(next, Math.max(layer.get(next) ?? 0, layer.get(id)! + 1));
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  const deepest = Math.max(-1, ...[...waiting].filter(([, left]) => left === 0).map(([id]) => layer.get(id) ?? 0));
  for (const [id, left] of waiting) if (left > 0) layer.set(id, deepest + 1);

  // Columns, each ordered by its upstreams' average row, then by name.
  const columns: string[][] = [];
  const byName = (a: string, b: string) => known.get(a)!.name.localeCompare(known.get(b)!.name) || a.localeCompare(b);
  for (const node of nodes) (columns[layer.get(node.id)!] ??= []).push(node.id);
  const row = new Map<string, number>();
  columns.forEach((column, index) => {
    if (index === 0) column.sort(byName);
    else {
      const weight = (id: string) => {
        const placed = upstreams.get(id)!.filter((up) => row.has(up));
        return placed.length === 0 ? Number.POSITIVE_INFINITY : placed.reduce((sum, up) => sum + row.get(up)!, 0) / placed.length;
      };
      column.sort((a, b) => weight(a) - weight(b) || byName(a, b));
    }
    column.forEach((id, position) => row.set(id, position));
  });

  const tallest = Math.max(0, ...columns.map((column) => column?.length ?? 0));
  const columnHeight = (count: number) => count * box.height + Math.max(0, count - 1) * box.gapY;
  const placed = new Map<string, PlacedNode>();
  columns.forEach((column, index) => {
    // A shorter column is centred beside the tallest.
    const top = box.margin + (columnHeight(tallest) - columnHeight(column.length)) / 2;
    column.forEach((id, position) => {
      placed.set(id, { ...known.get(id)!, layer: index, x: box.margin + index * (box.width + box.gapX), y: top + position * (box.height + box.gapY) });
    });
  });

  const placedEdges = usable.map((edge) => {
    const from = placed.get(edge.from)!;
    const to = placed.get(edge.to)!;
    const x1 = from.x + box.width;
    const y1 = from.y + box.height / 2;
    const x2 = to.x;
    const y2 = to.y + box.height / 2;
    const bend = Math.max(box.gapX / 2, (x2 - x1) / 3);
    return { ...edge, path: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}` };
  });

  return {
    nodes: nodes.map((node) => placed.get(node.id)!),
    edges: placedEdges,
    width: columns.length === 0 ? 0 : box.margin * 2 + columns.length * box.width + (columns.length - 1) * box.gapX,
    height: tallest === 0 ? 0 : box.margin * 2 + columnHeight(tallest),
  };
}

/** A name cut to fit a node: at most `max` characters, the cut marked with an ellipsis. */
export function fitLabel(name: string, max: number): string {
  const chars = [...name];
  return chars.length <= max ? name : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
