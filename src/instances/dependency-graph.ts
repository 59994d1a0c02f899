/**
 * The cycle `dependsOn` would close for `dependentId`, given the other edges: the instances around the loop,
 * starting and ending with `dependentId`, each depending on the next; null when there is none. A
 * self-reference is the loop [id, id].
 */
export function cycleThrough(dependentId: string, dependsOn: readonly string[], edges: Iterable<{ dependent_id: string; upstream_id: string }>): string[] | null {
  const upstreams = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.dependent_id === dependentId) continue;
    const list = upstreams.get(edge.dependent_id);
    if (list) list.push(edge.upstream_id);
    else upstreams.set(edge.dependent_id, [edge.upstream_id]);
  }
  upstreams.set(dependentId, [...dependsOn]);
  // Depth-first along "depends on", from the dependent, until it comes back to it; each instance is entered once.
  const visited = new Set<string>();
  const path: string[] = [dependentId];
  const walk = (node: string): boolean => {
    for (const next of upstreams.get(node) ?? []) {
      if (next === dependentId) {
        path.push(next);
        return true;
      }
      if (visited.has(next)) continue;
      visited.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  return walk(dependentId) ? path : null;
}
