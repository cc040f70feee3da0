import { DependencyCycleError } from '../errors.js';

/**
 * Orders ids so that each comes after everything it depends on (depth-first, keeping the
 * order asked for among independent ids). A cycle throws with the cycle spelled out.
 */
export function topologicalOrder(
  roots: readonly string[],
  dependenciesOf: (id: string) => readonly string[],
): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];

  const visit = (id: string): void => {
    if (done.has(id)) return;
    const start = path.indexOf(id);
    if (start !== -1) throw new DependencyCycleError([...path.slice(start), id]);
    path.push(id);
    for (const dep of dependenciesOf(id)) visit(dep);
    path.pop();
    done.add(id);
    order.push(id);
  };

  for (const id of roots) visit(id);
  return order;
}
