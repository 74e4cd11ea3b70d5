// Reads the import graph of a TypeScript source tree from its import and
// export statements (type-only ones included: they couple files too), with no
// dependency: what the import-graph test checks, and what a reader can print.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

// `import … from '…'`, `export … from '…'` (the clause holds only names,
// braces, commas, `*`, `as`, `type`), `import '…'`, and `import('…')`.
const STATIC = /^\s*(?:import|export)\s+[\w\s{},*$]*?\bfrom\s*'([^']+)'/gm;
const BARE = /^\s*import\s*'([^']+)'/gm;
const DYNAMIC = /\bimport\(\s*'([^']+)'\s*\)/g;

/** file → the files it imports, both relative to `root`, as `.ts` paths; outside specifiers (node:*, packages) are kept as written. */
export function importGraph(root: string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  for (const file of files.sort()) {
    const source = readFileSync(path.join(root, file), 'utf8');
    const imports = new Set<string>();
    for (const pattern of [STATIC, BARE, DYNAMIC]) {
      for (const [, specifier] of source.matchAll(pattern)) {
        imports.add(specifier!.startsWith('.') ? path.join(path.dirname(file), specifier!).replace(/\.js$/, '.ts') : specifier!);
      }
    }
    graph.set(file, imports);
  }
  return graph;
}

/** Every cycle, as the files of each strongly connected component with more than one file (or a file importing itself). */
export function importCycles(graph: Map<string, Set<string>>): string[][] {
  // Tarjan's algorithm.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const dep of graph.get(file) ?? []) {
      if (!graph.has(dep)) continue;
      if (!index.has(dep)) {
        visit(dep);
        low.set(file, Math.min(low.get(file)!, low.get(dep)!));
      } else if (onStack.has(dep)) {
        low.set(file, Math.min(low.get(file)!, index.get(dep)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)!.has(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}
