// The child side of the harness. Each scenario file is run as its own process,
// `node dist/bench/scenarios/<file>.js <variant> '<params as JSON>'`, measures
// that one variant once, and prints one JSON line (a Measurement). A fresh
// process per measurement keeps one variant's JIT state, heap and rings from
// leaking into the next.
import type { Measurement } from './types.js';

export type Variant<P> = (params: P) => Promise<Measurement>;

export async function benchMain<P>(variants: Record<string, Variant<P>>, parse: (raw: Record<string, unknown>) => P): Promise<void> {
  const [name, json = '{}'] = process.argv.slice(2);
  const variant = name === undefined ? undefined : variants[name];
  if (variant === undefined) {
    process.stderr.write(`usage: node <scenario>.js <variant> '<params as JSON>'\nvariants: ${Object.keys(variants).join(', ')}\n`);
    process.exit(2);
  }
  const measurement = await variant(parse(JSON.parse(json) as Record<string, unknown>));
  // The orchestrator counts this process's CPU time, and that of the processes it started, once it has exited:
  // a variant that starts a server must stop it and wait for it to exit (its CPU is then not taken for background load).
  process.stdout.write(`${JSON.stringify({ variant: name, ...measurement })}\n`);
}

/** A positive integer parameter, with a default. */
export function intParam(raw: Record<string, unknown>, key: string, fallback: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`param ${key} must be a positive integer, got ${String(value)}`);
  return value;
}

/** A positive number parameter, with a default. */
export function numberParam(raw: Record<string, unknown>, key: string, fallback: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value))
    throw new RangeError(`param ${key} must be a positive number, got ${String(value)}`);
  return value;
}

/** Nanoseconds since an arbitrary origin, as a float: precise enough for intervals of ms and more. */
export const nowNs = (): number => Number(process.hrtime.bigint());

/**
 * How many iterations to run between two clock reads so that reading the
 * clock costs nothing measurable: about every 256 ops (a mask, power of two minus one).
 */
export function clockMask(opsPerIteration: number): number {
  const iterations = Math.max(1, Math.floor(256 / opsPerIteration));
  return 2 ** Math.floor(Math.log2(iterations)) - 1;
}
