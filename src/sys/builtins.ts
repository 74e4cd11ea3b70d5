// Node built-ins that only some calls need (streams, DNS, worker_threads, the
// error path of ring setup), loaded on the first such call rather than when
// an entry point is imported: each costs milliseconds to load, paid by every
// import otherwise (docs/benchmarks.md, "Import cost"). The load is
// synchronous, so the calls that need one stay synchronous.
import { createRequire } from 'node:module';

/** process.getBuiltinModule (Node ≥ 20.16 and 22.3, Bun, Deno); older Node gets createRequire's require on first use. */
const getBuiltin = (process as { getBuiltinModule?: (name: string) => unknown }).getBuiltinModule?.bind(process);
let requireBuiltin: ((name: string) => unknown) | undefined = getBuiltin;

/** A getter that loads the built-in `name` on its first call and returns it. */
export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= (requireBuiltin ??= createRequire(import.meta.url))(name) as T);
}
