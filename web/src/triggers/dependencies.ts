import type { ApiError, FieldError } from '../api/problem';
import type { GraphEdge, GraphNode } from './graph-layout';

export interface Named {
  id: string;
  name: string;
}

/**
 * The loop of a 409 `dependency-cycle`, from its `cycle` member (the instances around the loop, each depending on the
 * next, the first repeated at the end), in words: "“A” would depend on “B”, which depends on “A”". Null when the
 * problem has no usable `cycle`.
 */
export function cycleInWords(problem: ApiError): string | null {
  const cycle = problem.problem.cycle;
  if (!Array.isArray(cycle) || cycle.length < 2) return null;
  const names = cycle.map((entry) => (typeof entry === 'object' && entry !== null && typeof (entry as Named).name === 'string' ? (entry as Named).name : '?'));
  if (names.length === 2) return `“${names[0]}” would depend on itself.`;
  return `“${names[0]}” would depend on “${names[1]}”${names
    .slice(2)
    .map((name) => `, which depends on “${name}”`)
    .join('')}: a loop, so none of them could ever start the others.`;
}

/** The 400 field errors for `/depends_on/N`, by N: the position in the list sent. Errors elsewhere stay in `other`. */
export function errorsByPosition(errors: readonly FieldError[]): { byPosition: Map<number, string[]>; other: FieldError[] } {
  const byPosition = new Map<number, string[]>();
  const other: FieldError[] = [];
  for (const error of errors) {
    const match = /^\/depends_on\/(\d+)$/.exec(error.path);
    if (!match) {
      other.push(error);
      continue;
    }
    const list = byPosition.get(Number(match[1])) ?? [];
    if (!list.includes(error.message)) list.push(error.message);
    byPosition.set(Number(match[1]), list);
  }
  return { byPosition, other };
}

export interface Neighbour {
  node: GraphNode;
  edge: GraphEdge;
}

/** One instance's upstreams (in its depends_on order) and dependents (by name), from the graph around it. */
export function neighbours(graph: { nodes: readonly GraphNode[]; edges: readonly GraphEdge[] }, id: string): { upstreams: Neighbour[]; dependents: Neighbour[] } {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const upstreams = graph.edges.filter((edge) => edge.to === id && byId.has(edge.from)).map((edge) => ({ node: byId.get(edge.from)!, edge }));
  const dependents = graph.edges
    .filter((edge) => edge.from === id && byId.has(edge.to))
    .map((edge) => ({ node: byId.get(edge.to)!, edge }))
    .sort((a, b) => a.node.name.localeCompare(b.node.name));
  return { upstreams, dependents };
}

/** What an edge's join state means for the dependent, in words. */
export function edgeState(edge: GraphEdge, upstream: string, dependent: string): string {
  return edge.satisfied_by ? `“${upstream}” has succeeded since “${dependent}” last ran after it` : `“${dependent}” waits for “${upstream}” to succeed`;
}
