// Node built-ins that only some calls need (streams, DNS, worker_threads, the
// error path of ring setup), loaded on the first such call rather than when
// an entry point is imported: each costs milliseconds to load, paid by every
// import otherwise (docs/benchmarks.md, "Import cost"). The load is
// synchronous, so the calls that need one stay synchronous.
type LoadBuiltin = (name: string) => unknown;

/**
 * process.getBuiltinModule (Node ≥ 20.16 and 22.3, Bun, Deno), else the
 * `require` that the package's compat entries (dist/bundle/compat/, built by
 * scripts/bundle.mjs for older Node) leave under this symbol. No import of
 * node:module here: its namespace costs every import 1 ms.
 */
const loadBuiltin: LoadBuiltin | undefined =
  (process as { getBuiltinModule?: LoadBuiltin }).getBuiltinModule?.bind(process) ??
  (globalThis as Record<symbol, LoadBuiltin | undefined>)[Symbol.for('ringcore.require')];

/**
 * A getter that loads the built-in `name` on its first call and returns it.
 * (tsc's output on Node before 20.16 has neither loader; only the package's entries run there.)
 */
export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= loadBuiltin!(name) as T);
}
