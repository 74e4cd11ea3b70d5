// Node built-ins that only some calls need (streams, DNS, the error path of
// ring setup), loaded on the first such call rather than when an entry point
// is imported: each costs milliseconds to load, paid by every import
// otherwise (docs/benchmarks.md, "Import cost"). require() of a built-in is
// synchronous, so the calls that need one stay synchronous.
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

/** A getter that loads the built-in `name` on its first call and returns it. */
export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireBuiltin(name) as T);
}
